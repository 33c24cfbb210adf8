/**
 * The floors of the house (ARCHITECTURE.md), enforced: each folder imports only from its own floor
 * and the floors below it, and nothing imports in a cycle. `npm run lint:deps` (and npm test) checks it.
 *
 *   domain → db, workflows → services → api, activities → worker → scripts;  sim stands alone.
 */
const floor = (from, allowed, why) => ({
  name: `${from}-imports-only-${allowed.join('-')}`,
  comment: why,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: '^(domain|db|workflows|services|activities|api|worker|scripts|sim|test)/', pathNot: `^(${[from, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    floor('domain', [], 'domain/ is the pure rules: no I/O, no Temporal, no database, nothing above it.'),
    floor('db', ['domain'], 'db/ (schema, queries) builds on the rules only.'),
    floor('workflows', ['domain'], 'workflows/ orchestrate with pure rules and their own activity contracts; everything with I/O is an activity.'),
    floor('services', ['domain', 'db', 'workflows'], 'services/ are the use cases: rules, queries and the workflows they start or signal.'),
    floor('api', ['domain', 'db', 'workflows', 'services'], 'api/ routes call services; never activities or another process.'),
    floor('activities', ['domain', 'db', 'workflows', 'services'], 'activities/ adapt services and carriers to Temporal; never the API or another process.'),
    floor('worker', ['domain', 'db', 'workflows', 'services', 'activities'], 'worker/ assembles activities and workflows; it never imports the API.'),
    floor('sim', [], 'sim/ is the carrier: it shares no code with Redial, as a real carrier would not.'),
    {
      name: 'no-circular',
      comment: 'An import cycle is how a contract starts depending on its implementation.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.tools|\\.redial)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
