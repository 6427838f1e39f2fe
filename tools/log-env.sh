#!/usr/bin/env bash
# log-env.sh: sourced by tools/run.sh. Output that does not go to a terminal (CI, a pipe, a file)
# gets no colour codes from Nx, jest or Node: FORCE_COLOR=0 is the one switch all of them honour
# (NO_COLOR is not enough: Nx hands its tasks FORCE_COLOR, and Node warns when both are set).
# The jest commands themselves carry --disable-warning=ExperimentalWarning (VM modules notice).
if [ ! -t 1 ] && [ -z "${FORCE_COLOR:-}" ]; then
  export FORCE_COLOR=0
fi
