# syntax=docker/dockerfile:1
# Switchyard: a multi-stage image. The build stage compiles TypeScript with the dev
# dependencies; the runtime stage holds only dist/ and the production dependencies, and runs
# as the unprivileged `node` user (uid 1000) of the official image.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs scripts/
COPY gen gen
COPY src src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    SWITCHYARD_GRPC_LISTEN=0.0.0.0:50051 \
    SWITCHYARD_HTTP_LISTEN=0.0.0.0:8080 \
    SWITCHYARD_DATA_DIR=/var/lib/switchyard \
    SWITCHYARD_SPOOL_DIR=/var/lib/switchyard/spool
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json LICENSE NOTICE ./
RUN mkdir -p /var/lib/switchyard && chown node:node /var/lib/switchyard
VOLUME /var/lib/switchyard
USER node
EXPOSE 50051 8080
# slim images carry no curl: Node's own fetch asks the liveness endpoint.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz/live').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node itself is PID 1 and gets SIGTERM (drain) and SIGHUP (reload) directly.
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
