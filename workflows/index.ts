export { cadence } from './cadence';
export { cancelCampaignCadences, enrolImport } from './bulk';
