#!/usr/bin/env bash
# Regenerates the seed corpora of the fuzz targets with the release p2pcd
# CLI (make -C client) and ffmpeg:
#   corpus/container: containers under fuzz_container's fixed key (bytes
#                     0..31, KID a0..af) for the raw mode, and plaintexts
#                     for the round-trip mode
#   corpus/mp4:       tiny MP4s, clear and cenc-encrypted
#   corpus/keyfile:   key files as the CLI writes and reads them
#   corpus/license:   a license token and a ClearKey JWK Set (kept as
#                     committed: not regenerated here)
set -euo pipefail
cd "$(dirname "$0")"
top=$(cd ../../.. && pwd)
p2pcd=$top/build/release/bin/p2pcd
[ -x "$p2pcd" ] || make -s -C "$top/client"
tmp=$(mktemp -d /tmp/p2pcd-mkcorpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
{
	echo "kid=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	echo "key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
} >"$tmp/key"
rm -rf corpus/container corpus/mp4 corpus/keyfile
mkdir -p corpus/container corpus/mp4 corpus/keyfile
for spec in 0:16 1:16 16:16 17:16 100:16 100:64 1000:128; do
	n=${spec%%:*} cs=${spec##*:}
	head -c "$n" /dev/urandom >"$tmp/pt"
	"$p2pcd" encrypt "$tmp/pt" "$tmp/ct" --format container \
		--key-file "$tmp/key" --chunk-size "$cs" >/dev/null
	# mode byte (even: raw), piece size byte, the container
	{ printf '\x00\x07'; cat "$tmp/ct"; } >"corpus/container/raw-$n-$cs"
done
for op in 0 1 2 3 4; do
	{ printf "\\x01\\x10\\x0$op\\x00\\x40"; head -c 200 /dev/urandom; } \
		>"corpus/container/rt-$op"
done

ffmpeg -hide_banner -loglevel error -nostdin \
	-f lavfi -i testsrc=duration=0.2:size=32x24:rate=10 \
	-f lavfi -i sine=duration=0.2 -c:v libx264 -preset ultrafast -c:a aac \
	-shortest "$tmp/clip.mp4"
cp "$tmp/clip.mp4" corpus/mp4/clear.mp4
"$p2pcd" encrypt "$tmp/clip.mp4" corpus/mp4/cenc.mp4 --key-out "$tmp/k" \
	>/dev/null

cp "$tmp/key" corpus/keyfile/named
cp "$tmp/k" corpus/keyfile/cenc
echo "3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZ_v8" >corpus/keyfile/b64url
printf '# comment\n\n  deadbeefdeadbeefdeadbeefdeadbeef\r\n' >corpus/keyfile/bare
du -sh corpus/*
