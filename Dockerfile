# syntax=docker/dockerfile:1
# One image for the five CPOR services and the portal; which one runs is chosen when the container starts:
#
#   docker build -t cpor-claims:local .
#   docker run --env-file cpor.env -e CPOR_SERVICE=intake -p 3001:3001 cpor-claims:local
#   docker run --env-file cpor.env cpor-claims:local node dist/apps/review/src/main.js   # or name the entry point
#
# CPOR_SERVICE (intake, review, consent, eligibility, notifications, portal) may also be baked in as a
# build argument (`--build-arg CPOR_SERVICE=intake`). The image holds no configuration and no
# secrets: everything comes from the environment (docs/operations.md, "Running with Docker").
# docker-compose.yml builds it once and runs the five services from it.

# Node 24 LTS, as in package.json's `engines` (override with --build-arg NODE_IMAGE=node:24.x-slim@sha256:...).
ARG NODE_IMAGE=node:24-slim

# ---- build: every dependency (TypeScript and friends), compile to dist/, then drop the dev dependencies
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --omit=optional: the image brings its own Node 24, so not the pinned node-linux-* binaries (nor
# the linters' native resolvers); --ignore-scripts: no dependency needs an install script to run.
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=optional --ignore-scripts --no-save
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm run build \
 && npm prune --omit=dev --omit=optional --ignore-scripts

# ---- runtime: Node, the production dependencies, the compiled code and the mail templates; nothing else
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0
WORKDIR /app
# Owned by root, read-only for the user the services run as.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time from <working directory>/apps/notifications/templates (NOTIFICATION_TEMPLATES_DIR overrides).
COPY apps/notifications/templates ./apps/notifications/templates
# The portal's page templates and static files, read the same way (apps/portal/views, apps/portal/public).
COPY apps/portal/views ./apps/portal/views
COPY apps/portal/public ./apps/portal/public
ARG CPOR_SERVICE=""
ENV CPOR_SERVICE=${CPOR_SERVICE}
# kafkajs 2.2.4 arms timers with negative delays; Node 24 would warn on stderr at every rebalance.
ENV NODE_OPTIONS="--disable-warning=TimeoutNegativeWarning"
# intake, review, consent, eligibility, notifications, portal (each also takes <SERVICE>_PORT)
EXPOSE 3001 3002 3003 3004 3005 3000
USER node
# exec: node is the container's main process and gets SIGTERM itself (a bounded graceful stop,
# SHUTDOWN_TIMEOUT_MS). Health: GET /health/ready on the service's port (docker-compose.yml).
CMD ["sh", "-c", "exec node \"dist/apps/${CPOR_SERVICE:?set CPOR_SERVICE to intake, review, consent, eligibility, notifications or portal}/src/main.js\""]
