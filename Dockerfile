# Redial's api and worker share this image; docker-compose.yml picks the entrypoint.
FROM node:20-bookworm-slim
WORKDIR /app
# pg_dump / pg_restore for the weekly backup and its restore check
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# fixes to dependencies, applied by npm ci (postinstall: patch-package)
COPY patches ./patches
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
RUN mkdir -p /backups/local /backups/copy /recordings && chown -R node:node /backups /recordings
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "api/main.ts"]
