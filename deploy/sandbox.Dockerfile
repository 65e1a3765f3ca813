# syntax=docker/dockerfile:1
# The demo in a container: `docker run -it --rm opsgraph-sandbox` is `make demo` (a simulated
# cluster in the background and the chat REPL). Build the opsgraph image first:
#   docker build -f deploy/Dockerfile -t opsgraph:0.1.0 .
#   docker build -f deploy/sandbox.Dockerfile -t opsgraph-sandbox .
# The simulated cluster listens on the container's loopback only: everything runs inside.
ARG OPSGRAPH_IMAGE=opsgraph:0.1.0
FROM ${OPSGRAPH_IMAGE}
ENV OPSGRAPH_CLUSTER=sandbox
USER 10001:10001
HEALTHCHECK NONE
ENTRYPOINT ["opsgraph"]
CMD ["demo"]
