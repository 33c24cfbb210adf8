# Redial's api and worker share this image; docker-compose.yml picks the entrypoint.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "api/main.ts"]
