export * from './contacts';
export * from './campaigns';
export * from './attempts';
export * from './compliance';
export * from './lines';
export * from './access';
export * from './imports';
export * from './operations';
