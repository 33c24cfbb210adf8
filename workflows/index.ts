export { cadence } from './cadence';
export { cancelCampaignCadences, enrolImport } from './bulk';
export { connectRateIncident, interfaceIncident, scriptIncident, watchdog } from './incidents';
export { dailyMaintenance, monthlyMaintenance, stressTestOnDemand, weeklyMaintenance } from './maintenance';
export { crmDelivery } from './crm-delivery';
