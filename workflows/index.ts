export { cadence } from './cadence';
