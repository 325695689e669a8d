# deploy/k8s/tcpswarm.yaml parses as YAML (python3-yaml, installed by
# tools/deps.sh) and has what Kubernetes requires: apiVersion, kind and
# metadata.name on every document; a headless Service; an Indexed Job with
# completions == parallelism, whose pod template has restartPolicy Never or
# OnFailure and containers with image and command, the command turning the
# completion index into --shard; a second headless Service names the client
# pods for Prometheus. The Dockerfile builds on Debian and installs.
source "$(dirname "$0")/peer_lib.sh"
Y=$ROOT/deploy/k8s/tcpswarm.yaml
[ -f "$Y" ] || fail "missing $Y"
peer_install python3-yaml
PY=/usr/bin/python3
[ -x "$PY" ] || fail "/usr/bin/python3 missing after installing python3-yaml"
"$PY" - "$Y" >"$WORK/check" 2>&1 <<'PYEOF' || fail "$(cat "$WORK/check")"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
def need(cond, what):
    if not cond:
        sys.exit("deploy/k8s: " + what)
kinds = {}
for d in docs:
    need(isinstance(d, dict), "a document is not a mapping")
    for k in ("apiVersion", "kind", "metadata"):
        need(k in d, "a %s lacks %s" % (d.get("kind", "document"), k))
    need(d["metadata"].get("name"), "a %s lacks metadata.name" % d["kind"])
    kinds.setdefault(d["kind"], []).append(d)
svcs = {d["metadata"]["name"]: d for d in kinds.get("Service", [])}
need(set(svcs) == {"tcpswarm-server", "tcpswarm-clients"}, "Services tcpswarm-server and tcpswarm-clients expected, got %s" % sorted(svcs))
for name, svc in svcs.items():
    need(svc["apiVersion"] == "v1" and svc["spec"].get("clusterIP") == "None", "Service %s is not headless (clusterIP: None)" % name)
need(svcs["tcpswarm-server"]["spec"]["selector"].get("app") == "tcpswarm-server", "tcpswarm-server does not select the server pods")
need(svcs["tcpswarm-clients"]["spec"]["selector"].get("app") == "tcpswarm-client", "tcpswarm-clients does not select the client pods")
need(len(kinds.get("Job", [])) == 1, "one Job expected")
job = kinds["Job"][0]
need(job["apiVersion"] == "batch/v1", "the Job's apiVersion is not batch/v1")
s = job["spec"]
need(s.get("completionMode") == "Indexed", "spec.completionMode is not Indexed")
need(isinstance(s.get("completions"), int) and s["completions"] >= 1, "spec.completions missing")
need(s.get("parallelism") == s["completions"], "spec.parallelism differs from completions (shards would start apart)")
pod = s["template"]["spec"]
need(pod.get("restartPolicy") in ("Never", "OnFailure"), "a Job's restartPolicy must be Never or OnFailure")
need(pod.get("containers"), "the Job has no containers")
for c in pod["containers"]:
    need(c.get("name") and c.get("image") and c.get("command"), "a container lacks name, image or command")
cmd = " ".join(pod["containers"][0]["command"])
need("--metrics 0.0.0.0:9100" in cmd, "the clients do not serve --metrics on the port tcpswarm-clients names")
need("JOB_COMPLETION_INDEX" in cmd and "--shard" in cmd, "the client command does not map the completion index to --shard")
env = {e["name"]: e.get("value") for e in pod["containers"][0].get("env", [])}
need(env.get("SHARDS") == str(s["completions"]), "SHARDS %r differs from completions %d" % (env.get("SHARDS"), s["completions"]))
svc = svcs["tcpswarm-server"]
host = svc["metadata"]["name"]
need(host + ":" in cmd, "the clients do not target the Service %s" % host)
for d in kinds.get("Deployment", []):
    for c in d["spec"]["template"]["spec"]["containers"]:
        need(c.get("image") and c.get("command"), "the server container lacks image or command")
    need(d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items(),
         "the Deployment's selector does not match its pods")
    need(svc["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items(),
         "the Service selects no server pod")
print("ok", sorted(kinds))
PYEOF
# the checker must be able to fail: a Job that is not Indexed is refused
sed 's/completionMode: Indexed/completionMode: NonIndexed/' "$Y" >"$WORK/bad.yaml"
sed -n '/^"\$PY" - "\$Y"/,/^PYEOF$/p' "$0" | sed '1d;$d' >"$WORK/check.py"
! "$PY" "$WORK/check.py" "$WORK/bad.yaml" >/dev/null 2>&1 || fail "the checker accepted a Job that is not Indexed"
D=$ROOT/Dockerfile
grep -qE '^FROM debian:' "$D" || fail "the Dockerfile is not on a Debian base"
grep -q 'cmake --install' "$D" || fail "the Dockerfile does not install"
grep -q "image: tcpswarm:" "$Y" || fail "the example does not use the Dockerfile's image"
echo "PASS deploy_yaml: $(cat "$WORK/check")"
