#!/usr/bin/env bash
# The docker-compose lab (docker/) is consistent, without a Docker engine:
# `docker compose config` (or docker-compose 1.29) accepts the file and
# lists the services; a python3/yaml check of the resolved file finds every
# part of the lab, fixed addresses that agree (the AS trusts exactly the
# edge's address, the edge forwards to the AS's, clients use the edge),
# health-gated start order, build targets that exist, and every file the
# compose file and the Dockerfile reference (COPY sources, entrypoints,
# configuration files, defines of as.cfg/edge.cfg); `bash -n` on every
# entrypoint. Then the real steps that need no engine: the init service's
# secret maker runs into a temporary directory (twice: it keeps what exists),
# scripts/render-tracker-conf.sh is checked on its own, and the tracker
# entrypoint renders lab/tracker.conf.in with those secrets and runs
# p2pcd-tracker --check-config on the result. The images are not built here.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

COMPOSE_FILE=$TOP/docker/docker-compose.yml
BIN=$TOP/build/release/bin

# --- the compose client ----------------------------------------------------
if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
	compose=(docker-compose)
else
	fail "no docker compose plugin and no docker-compose: scripts/install-deps.sh installs docker-compose"
fi
ok "compose client: ${compose[*]} ($("${compose[@]}" version 2>/dev/null | head -1))"

mktemp_dir D docker-config
"${compose[@]}" -f "$COMPOSE_FILE" config >"$D/resolved.yml" 2>"$D/config.err" ||
	{ cat "$D/config.err" >&2; fail "${compose[*]} config rejected docker/docker-compose.yml"; }
ok "${compose[*]} config accepts docker/docker-compose.yml"
services=$("${compose[@]}" -f "$COMPOSE_FILE" config --services 2>/dev/null | sort | tr '\n' ' ')
ok "services: $services"

# --- python3 with yaml (python3-yaml comes with docker-compose) ------------
py=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || fail "no python3 with the yaml module (Debian: python3-yaml)"

"$py" - "$TOP" "$D/resolved.yml" <<'PY' || fail "compose/Dockerfile consistency (above)"
import ipaddress, os, re, sys, yaml

top, resolved = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(resolved))
svc = doc["services"]
bad = []
def check(cond, what):
    print(("  ok: " if cond else "  FAIL: ") + what)
    if not cond:
        bad.append(what)

def env(name):
    e = svc[name].get("environment") or {}
    if isinstance(e, list):
        e = dict(x.split("=", 1) for x in e)
    return {k: ("" if v is None else str(v)) for k, v in e.items()}

def ip(name):
    nets = svc[name].get("networks") or {}
    for n in nets.values():
        if n and n.get("ipv4_address"):
            return n["ipv4_address"]
    return None

# every part of the lab
for s in ("init", "postgres", "tracker-1", "as", "edge", "seeder"):
    check(s in svc, "service %s present" % s)
if bad:
    sys.exit(1)
buyers = {env(s).get("P2PCD_USER"): s for s in svc
          if (svc[s].get("command") or [None])[0] == "buy"}
for u in ("bob", "carol", "dave"):
    check(u in buyers, "a buyer service for %s (%s)" % (u, buyers.get(u)))
check(env("seeder").get("P2PCD_USER") == "alice", "the seeder publishes as alice")

# the network: fixed subnet, fixed addresses in it, none in the dynamic range
nets = doc.get("networks") or {}
lab = [n for n in nets.values() if n and n.get("ipam")]
check(len(lab) == 1, "one network with ipam")
cfg = lab[0]["ipam"]["config"][0]
subnet = ipaddress.ip_network(cfg["subnet"])
dyn = ipaddress.ip_network(cfg["ip_range"]) if cfg.get("ip_range") else None
fixed = {s: ip(s) for s in ("postgres", "tracker-1", "as", "edge")}
for s, a in fixed.items():
    check(a is not None and ipaddress.ip_address(a) in subnet,
          "%s has a fixed address in %s (%s)" % (s, subnet, a))
    if dyn and a:
        check(ipaddress.ip_address(a) not in dyn,
              "%s's address is outside the dynamic range %s" % (s, dyn))
check(len(set(fixed.values())) == len(fixed), "fixed addresses are distinct")

# the AS trusts exactly the edge; the edge forwards to the AS; clients use the edge
a, e = env("as"), env("edge")
check(a.get("P2PCD_TRUSTED") == fixed["edge"] + "/32",
      "AS P2PCD_TRUSTED %s = edge address %s/32" % (a.get("P2PCD_TRUSTED"), fixed["edge"]))
check(a.get("P2PCD_ADDR") == fixed["as"], "AS listens on its address %s" % fixed["as"])
check(e.get("EDGE_ADDR") == fixed["edge"], "edge listens on its address %s" % fixed["edge"])
want_as = "sip:%s:%s" % (fixed["as"], a.get("P2PCD_PORT", "5060"))
check(e.get("EDGE_AS", "").split(";")[0] == want_as,
      "edge EDGE_AS %s = %s" % (e.get("EDGE_AS"), want_as))
want_proxy = "sip:%s:%s" % (fixed["edge"], e.get("EDGE_PORT", "5062"))
for s in ["seeder"] + list(buyers.values()):
    check(env(s).get("P2PCD_PROXY") == want_proxy,
          "%s P2PCD_PROXY = %s" % (s, want_proxy))
    check(env(s).get("P2PCD_DOMAIN") == e.get("EDGE_DOMAIN", "ims.test"),
          "%s P2PCD_DOMAIN = the edge's domain" % s)
t = env("tracker-1")
check(a.get("P2PCD_ACCESS") == "%s:%s" % (t.get("PUBLIC_HOST"), t.get("INDEX_PORT")),
      "AS P2PCD_ACCESS %s = tracker index %s:%s"
      % (a.get("P2PCD_ACCESS"), t.get("PUBLIC_HOST"), t.get("INDEX_PORT")))
check(t.get("PUBLIC_HOST") in svc or t.get("PUBLIC_HOST") == svc["tracker-1"].get("hostname"),
      "the tracker's public host name resolves on the network")
check(a.get("P2PCD_DOMAIN") == t.get("CONTENT_DOMAIN"),
      "AS content domain = tracker index content domain")
for s in ("tracker-1", "as", "edge"):
    check(env(s).get("DB_HOST") in svc, "%s DB_HOST is a service" % s)

# the defines given to Kamailio exist in the configuration files
for s, cfgf, pre in (("as", "as.cfg", "P2PCD_"), ("edge", "edge.cfg", "EDGE_")):
    text = open(os.path.join(top, "kamailio-cfg", cfgf)).read()
    for k in env(s):
        if k.startswith(pre):
            check(re.search(r"\b%s\b" % k, text) is not None,
                  "%s: define %s is used by kamailio-cfg/%s" % (s, k, cfgf))
ep = open(os.path.join(top, "docker", "kamailio-entrypoint.sh")).read()
for cfgf, pre in (("as.cfg", "P2PCD_"), ("edge.cfg", "EDGE_")):
    text = open(os.path.join(top, "kamailio-cfg", cfgf)).read()
    for block in re.findall(r"(?:strings|numbers)=\(([^)]*)\)", ep):
        for k in block.split():
            if k.startswith(pre):
                check(re.search(r"\b%s\b" % k, text) is not None,
                      "entrypoint define %s exists in kamailio-cfg/%s" % (k, cfgf))

# start order: health-gated, init first
def deps(s):
    d = svc[s].get("depends_on") or {}
    return d if isinstance(d, dict) else {x: {"condition": "service_started"} for x in d}
check(deps("postgres").get("init", {}).get("condition") == "service_completed_successfully",
      "postgres waits for init to complete")
for s, need in (("tracker-1", ["postgres"]), ("as", ["postgres"]),
                ("edge", ["postgres", "as"]), ("seeder", ["tracker-1", "as", "edge"])):
    for n in need:
        check(deps(s).get(n, {}).get("condition") == "service_healthy",
              "%s waits for %s to be healthy" % (s, n))
for s in buyers.values():
    check(deps(s).get("seeder", {}).get("condition") == "service_healthy",
          "%s waits for the seeder" % s)
for s in svc:
    for n, c in deps(s).items():
        if c.get("condition") == "service_healthy":
            check(bool(svc[n].get("healthcheck")), "%s has a healthcheck (%s waits on it)" % (n, s))

# builds: the repository as context, a Dockerfile and stages that exist
stages = {}
for s in svc:
    b = svc[s].get("build")
    check(bool(b), "%s is built from the repository" % s)
    if not b:
        continue
    check(os.path.realpath(b["context"]) == os.path.realpath(top),
          "%s build context is the repository root" % s)
    df = os.path.join(b["context"], b.get("dockerfile", "Dockerfile"))
    check(os.path.isfile(df), "%s Dockerfile %s exists" % (s, df))
    stages.setdefault(df, set()).add(b.get("target"))
for df, targets in stages.items():
    text = open(df).read()
    have = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.M | re.I))
    check("debian:bookworm-slim" in re.findall(r"^FROM\s+(\S+)", text, re.M | re.I),
          "%s starts from debian:bookworm-slim" % os.path.relpath(df, top))
    for tg in targets:
        check(tg in have, "build target %s is a stage of %s" % (tg, os.path.relpath(df, top)))
    # COPY sources (not --from) exist in the repository
    for line in re.findall(r"^COPY\s+(.*)$", text, re.M):
        args = [x for x in line.split() if not x.startswith("--")]
        if any(x.startswith("--from") for x in line.split()):
            continue
        for src in args[:-1]:
            check(os.path.exists(os.path.join(top, src)), "COPY source %s exists" % src)
    # entrypoints: /src/PATH is the repository's PATH, executable
    for m in re.findall(r'^ENTRYPOINT\s+\[\s*"([^"]+)"', text, re.M):
        rel = m[len("/src/"):] if m.startswith("/src/") else None
        check(rel is not None and os.access(os.path.join(top, rel), os.X_OK),
              "entrypoint %s is an executable file of the repository" % m)
    check(re.search(r"scripts/install-deps\.sh", text) is not None,
          "the image installs with scripts/install-deps.sh")

# files the entrypoints use ($TOP/PATH) exist
for f in sorted(os.listdir(os.path.join(top, "docker"))):
    if not f.endswith(".sh"):
        continue
    text = open(os.path.join(top, "docker", f)).read()
    for ref in sorted(set(re.findall(r"\$TOP/([A-Za-z0-9_./-]+)", text))):
        check(os.path.exists(os.path.join(top, ref)), "docker/%s uses %s: exists" % (f, ref))
for ref in ("kamailio-cfg/as.cfg", "kamailio-cfg/edge.cfg", "lab/tracker.conf.in",
            "sql/migrate", "lab/subscribers.sql", "scripts/render-tracker-conf.sh"):
    check(os.path.isfile(os.path.join(top, ref)), "%s exists" % ref)
sys.exit(1 if bad else 0)
PY
ok "compose file and Dockerfile are consistent"

# --- entrypoints --------------------------------------------------------
for f in "$TOP"/docker/*.sh "$TOP/scripts/render-tracker-conf.sh"; do
	bash -n "$f" || fail "bash -n ${f#"$TOP"/}"
	[ -x "$f" ] || fail "${f#"$TOP"/} is not executable"
	grep -q '^set -euo pipefail' "$f" || fail "${f#"$TOP"/}: no set -euo pipefail"
done
ok "bash -n, executable, set -euo pipefail: $(cd "$TOP" && echo docker/*.sh scripts/render-tracker-conf.sh)"

# --- scripts/render-tracker-conf.sh on its own ---------------------------
R=$TOP/scripts/render-tracker-conf.sh
printf '# the @NAME@ placeholders\na = "@A@"; b = @B@; c = "@A@";\n' >"$D/t.in"
"$R" "$D/t.in" "$D/t.out" A='x&y' B=7 || fail "render: a plain template"
expect_eq "render: the result" "$(tail -1 "$D/t.out")" 'a = "x&y"; b = 7; c = "x&y";'
expect_eq "render: mode of the result" "$(stat -c %a "$D/t.out")" 600
for bad in "A=x" "A=x B=1 C=2" 'A=x" B=1' 'A=x\ B=1' "a=x B=1" "A B=1"; do
	# shellcheck disable=SC2086
	if "$R" "$D/t.in" "$D/t.bad" $bad 2>"$D/r.err"; then
		fail "render accepted: $bad"
	fi
	[ ! -e "$D/t.bad" ] || fail "render wrote a file for: $bad"
done
ok "render refuses a placeholder left, an unknown name, a quote or backslash, a bad name; writes nothing then"
grep -q 'no value for: @B@' <(
	"$R" "$D/t.in" "$D/t.bad" A=x 2>&1 || true
) && ok "render names the placeholder left" || fail "render: no message naming @B@"

# --- the init service's secrets, for real --------------------------------
make -s -C "$TOP" tracker >/dev/null || fail "make tracker"
# init needs p2pcd (keygen) and p2pcd-mint-token in one directory
mkdir -p "$D/bin"
ln -s "$BIN/p2pcd-mint-token" "$D/bin/p2pcd-mint-token"
if make -s -C "$TOP" client >"$D/client-build.log" 2>&1; then
	ln -s "$BIN/p2pcd" "$D/bin/p2pcd"
else
	# another suite owns the client's build; this one needs only keygen:
	# take the committed client (git HEAD) when the working tree's fails
	echo "  note: make client fails in the working tree; building p2pcd of git HEAD"
	tail -3 "$D/client-build.log" | sed 's/^/    /'
	mkdir -p "$D/head"
	git -C "$TOP" archive HEAD Makefile mk lib client | tar -x -C "$D/head"
	make -s -C "$D/head" client >"$D/head-build.log" 2>&1 ||
		{ tail -20 "$D/head-build.log"; fail "build of p2pcd (git HEAD)"; }
	ln -s "$D/head/build/release/bin/p2pcd" "$D/bin/p2pcd"
fi
"$D/bin/p2pcd" keygen --help >/dev/null || fail "p2pcd keygen --help"
run_user=nobody
[ "$(id -u)" -eq 0 ] || run_user=$(id -un)
chmod 0755 "$D"
S=$D/secrets
SECRETS=$S P2PCD_BIN=$D/bin P2PCD_RUN_USER=$run_user TRACKER_ID=tracker-1 \
	"$TOP/docker/init-secrets.sh" >"$D/init.log" 2>&1 ||
	{ cat "$D/init.log"; fail "docker/init-secrets.sh"; }
for f in as/master.hex as/db.password tracker/tracker.key tracker/license.key \
	tracker/admin.token tracker/db.password tracker/license-x25519.key \
	tracker/license-kek.key tracker/index-key.pem \
	edge/db.password postgres/db.password; do
	[ -s "$S/$f" ] || fail "init: $f missing"
	[ "$(stat -c %a "$S/$f")" = 600 ] || fail "init: $f mode $(stat -c %a "$S/$f"), want 600"
done
for f in public/index-cert.pem public/license-x25519.pub tracker/index-cert.pem; do
	[ "$(stat -c %a "$S/$f")" = 644 ] || fail "init: $f mode $(stat -c %a "$S/$f"), want 644"
done
ok "init made every secret (0600) and the public files (0644)"
[ ! -e "$S/tracker/master.hex" ] && [ ! -e "$S/public/master.hex" ] &&
	ok "the master secret is only in the AS's volume" || fail "master.hex outside as/"
[[ $(cat "$S/as/master.hex") =~ ^[0-9a-f]{64}$ ]] && ok "master.hex: 32 bytes hex" ||
	fail "master.hex is not 64 hex digits"
m=$(cat "$S/as/master.hex")
expect_eq "tracker.key" "$(cat "$S/tracker/tracker.key")" \
	"$("$BIN/p2pcd-mint-token" derive --master "$m" --aud tracker-1 --version 1)"
expect_eq "license.key" "$(cat "$S/tracker/license.key")" \
	"$("$BIN/p2pcd-mint-token" derive --master "$m" --aud license --version 1)"
openssl x509 -in "$S/tracker/index-cert.pem" -noout -ext subjectAltName 2>/dev/null |
	grep -q 'DNS:tracker-1' && ok "index certificate: SAN DNS:tracker-1" ||
	fail "index certificate has no SAN DNS:tracker-1"
expect_eq "index key matches its certificate" \
	"$(openssl pkey -in "$S/tracker/index-key.pem" -pubout 2>/dev/null | sha256sum)" \
	"$(openssl x509 -in "$S/tracker/index-cert.pem" -noout -pubkey | sha256sum)"
expect_eq "public/index-cert.pem = the tracker's" \
	"$(sha256sum <"$S/public/index-cert.pem")" "$(sha256sum <"$S/tracker/index-cert.pem")"
grep -q "^public=$(sed -n 's/^public=//p' "$S/tracker/license-x25519.key")\$" \
	"$S/public/license-x25519.pub" && ok "license-x25519.pub is the key pair's public key" ||
	fail "license-x25519.pub does not match license-x25519.key"
[ "$(stat -c %U "$S/tracker/tracker.key")" = "$run_user" ] &&
	ok "tracker secrets belong to the run user ($run_user)" ||
	fail "tracker.key owner $(stat -c %U "$S/tracker/tracker.key"), want $run_user"
before=$(cd "$S" && find . -type f -exec sha256sum {} + | sort)
SECRETS=$S P2PCD_BIN=$D/bin P2PCD_RUN_USER=$run_user "$TOP/docker/init-secrets.sh" \
	>"$D/init2.log" 2>&1 || { cat "$D/init2.log"; fail "init, second run"; }
[ "$before" = "$(cd "$S" && find . -type f -exec sha256sum {} + | sort)" ] &&
	ok "a second init run keeps every secret" || fail "a second init run changed secrets"

# --- the tracker entrypoint: render the lab template, --check-config -----
mkdir -p "$D/run"
SECRETS=$S/tracker P2PCD_TOP=$TOP P2PCD_BIN=$BIN P2PCD_RUN_USER=$run_user \
	CONF_DIR=$D/run TRACKER_CHECK_ONLY=1 TRACKER_ID=tracker-1 PUBLIC_HOST=tracker-1 \
	DB_HOST=postgres CONTENT_DOMAIN=content.ims.test \
	"$TOP/docker/tracker-entrypoint.sh" >"$D/check.out" 2>&1 || {
	cat "$D/check.out"
	grep -Eqi 'unknown.*index|index.*unknown' "$D/check.out" &&
		echo "  (p2pcd-tracker rejects the index section of lab/tracker.conf.in)" >&2
	fail "tracker entrypoint: render or --check-config of lab/tracker.conf.in"
}
sed 's/^/    /' "$D/check.out"
conf=$D/run/tracker.conf
! grep -Ev '^[[:space:]]*#' "$conf" | grep -q '@[A-Z_]*@' &&
	ok "no placeholder left in the rendered file" || fail "placeholder left in $conf"
expect_eq "rendered file mode" "$(stat -c %a "$conf")" 600
grep -q "key = \"$(cat "$S/tracker/tracker.key")\"" "$conf" &&
	ok "the rendered tokens.key is init's tracker key" || fail "tokens.key not the derived key"
grep -q "conninfo = \"host=postgres port=5432 dbname=p2pcd user=postgres password=$(cat "$S/tracker/db.password")\"" "$conf" &&
	ok "the rendered conninfo reaches postgres with init's password" || fail "conninfo"
grep -q "public_url = \"https://tracker-1:6443\"" "$conf" &&
	ok "index public_url https://tracker-1:6443 (= the AS's P2PCD_ACCESS)" || fail "public_url"
"$BIN/p2pcd-tracker" --check-config -c "$conf" >/dev/null ||
	fail "p2pcd-tracker --check-config -c $conf"
ok "p2pcd-tracker --check-config accepts the rendered lab configuration"
echo "  note: the images are not built or run here (no Docker engine)"
