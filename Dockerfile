# Redial's api and worker share this image; docker-compose.yml picks the entrypoint.
FROM node:20-bookworm-slim
WORKDIR /app
# pg_dump / pg_restore for the weekly backup and its restore check
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 && rm -rf /var/lib/apt/lists/*
# a container is production: REDIAL_ENV=production refuses the simulator's public lines (api/config.ts)
ENV NODE_ENV=production REDIAL_ENV=production
COPY package.json package-lock.json ./
# fixes to dependencies (patch-package), applied below
COPY patches ./patches
# no dependency's install script runs, as root or otherwise (none is needed: the native parts ship
# prebuilt); our own patches are the one step npm's postinstall would have done
RUN npm ci --omit=dev --ignore-scripts && npx --no-install patch-package && npm cache clean --force
# only what runs (no `COPY . .`: no .env, data, backups, tests or tools can slip into the image);
# test/compose.test.ts checks that every file the api, the worker and its health check import is here
COPY tsconfig.json ./
COPY domain ./domain
COPY db ./db
COPY workflows ./workflows
COPY services ./services
COPY api ./api
COPY activities ./activities
COPY worker ./worker
COPY scripts/lib/worker-health.ts ./scripts/lib/worker-health.ts
# the code stays root's (read-only to the processes); backups are the worker's alone
RUN mkdir -p /backups/local /backups/copy /recordings && chown -R node:node /backups /recordings && chmod 700 /backups/local /backups/copy
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "api/main.ts"]
