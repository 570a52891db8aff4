"""The control API under /_emulator/ (no auth): jobs, faults, tokens, config, stats."""

from .specs import ControlError


def control_dispatch(state, method, parts, query, payload):
    """Route one control-API call to the state; returns (status, JSON payload)."""
    if parts == ["jobs"]:
        if method == "POST":
            return 201, state.create_job(payload)
        if method == "GET":
            return 200, {"jobs": state.list_jobs()}
    if method == "GET" and len(parts) == 2 and parts[0] == "jobs":
        service = dict(pair.partition("=")[::2] for pair in query.split("&") if pair).get("service")
        return 200, state.job_view(parts[1], service)
    if parts == ["faults"]:
        if method == "POST":
            return 201, state.add_fault(payload)
        if method == "GET":
            return 200, {"faults": state.list_faults()}
        if method == "DELETE":
            return 200, {"cleared": state.clear_faults()}
    if method == "POST" and parts == ["tokens"]:
        return 201, state.register_token(payload)
    if method == "POST" and parts == ["tokens", "expire"]:
        return 200, {"expired": state.expire_tokens()}
    if parts == ["config"]:
        if method == "POST":
            return 200, state.configure(payload)
        if method == "GET":
            return 200, state.get_config()
    if method == "GET" and parts == ["stats"]:
        return 200, state.stats()
    if method == "POST" and parts == ["stats", "reset"]:
        state.reset_stats()
        return 200, {"reset": True}
    if method == "POST" and parts == ["reset"]:
        state.reset()
        return 200, {"reset": True}
    raise ControlError("no control route %s /_emulator/%s" % (method, "/".join(parts)), status=404)
