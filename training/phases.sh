# Sourced by the recipe scripts: `phase N OPTIONS...` runs one resumable training phase of
# `$T` (the train command) for the run folder `$run`, logging to training/logs/$name.out;
# a finished phase leaves phaseN.done and phaseN-model-best and is skipped when re-run.
phase() {
  local n=$1; shift
  [ -f "$run/phase$n.done" ] && return
  $T "$@" >> "training/logs/$name.out" 2>&1
  cp -r "$run/model-best" "$run/phase$n-model-best"
  touch "$run/phase$n.done"
}
