# Shared by scripts/test and scripts/demo: make sure Debian's mosquitto broker
# and clients are installed (tests and the demo run a real broker).
ensure_mosquitto() {
  local missing=0
  for p in mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd; do
    if ! command -v "$p" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$p" ]; then
      missing=1
    fi
  done
  [ "$missing" = 0 ] && return 0
  echo "Installing mosquitto and mosquitto-clients (apt-get)..." >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
  # Debian enables a system broker on port 1883; tests never use it, so leave it be.
}

# Headless Chromium, which a test opens mqtt-bench's HTML report in.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  echo "Installing chromium (apt-get)..." >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The other brokers the integration tests run against, installed inside the
# checkout from the registries: aedes 0.51 and 1.2 (npm, Node.js from
# Debian when missing) and amqtt (PyPI, in a virtual environment).
ensure_other_brokers() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Installing Node.js and npm (apt-get)..." >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ ! -f tests/brokers/aedes/node_modules/.package-lock.json ] ||
    ! cmp -s tests/brokers/aedes/package-lock.json tests/brokers/aedes/node_modules/.installed-lock; then
    echo "Installing aedes (npm ci in tests/brokers/aedes)..." >&2
    (cd tests/brokers/aedes && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
      cp package-lock.json node_modules/.installed-lock)
  fi
  if [ ! -f tests/codecs/node_modules/.package-lock.json ] ||
    ! cmp -s tests/codecs/package-lock.json tests/codecs/node_modules/.installed-lock; then
    echo "Installing the codec peers (npm ci in tests/codecs)..." >&2
    (cd tests/codecs && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
      cp package-lock.json node_modules/.installed-lock)
  fi
  local venv=tests/brokers/amqtt/.venv
  if [ ! -x "$venv/bin/amqtt" ] || ! cmp -s tests/brokers/amqtt/requirements.txt "$venv/installed-requirements.txt"; then
    echo "Installing amqtt (pip, in $venv)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/brokers/amqtt/requirements.txt
    cp tests/brokers/amqtt/requirements.txt "$venv/installed-requirements.txt"
  fi
}

# Install the Debian packages named that are not installed yet (apt-get).
ensure_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  echo "Installing ${missing[*]} (apt-get)..." >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Where builds of mosquitto live: outside the checkout, kept between runs.
mosquitto_cache() {
  echo "${MQTTKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mqttkit}/mosquitto"
}

# Build mosquitto's broker and clients from SOURCE (a checkout) or, with a
# TAG, from that tag of the git repository SOURCE; print the build directory
# (client/mosquitto_pub, src/mosquitto, apps/mosquitto_passwd/...). The
# build is made once and reused (cmake rebuilds what changed in a checkout).
mosquitto_build() {
  local src="$1" tag="$2" dir
  if [ -n "$tag" ]; then
    dir="$(mosquitto_cache)/$tag"
    if [ ! -f "$dir/src/CMakeLists.txt" ]; then
      git --git-dir="$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null || echo "$src")" \
        rev-parse -q --verify "$tag^{commit}" >/dev/null ||
        { echo "Error: $src has no tag $tag (give a git repository of mosquitto)." >&2; return 1; }
      rm -rf "$dir" && mkdir -p "$dir/src"
      git --git-dir="$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null || echo "$src")" \
        archive "$tag" | tar -x -C "$dir/src" || { echo "Error: cannot export $tag from $src." >&2; return 1; }
    fi
    src="$dir/src"
  else
    [ -d "$src/test/client" ] ||
      { echo "Error: $src/test/client not found: give a mosquitto checkout, or a repository and --tag." >&2; return 1; }
    src="$(cd "$src" && pwd)"
    dir="$(mosquitto_cache)/tree-$(echo "$src" | sha1sum | cut -c1-12)"
  fi
  mkdir -p "$dir/build"
  if [ ! -x "$dir/build/src/mosquitto" ] || [ -z "$tag" ]; then
    ensure_apt_packages cmake libssl-dev libcjson-dev libargon2-dev
    echo "Building mosquitto from $src in $dir/build (cmake; a minute or two)..." >&2
    (cd "$dir/build" &&
      cmake "$src" -DWITH_DOCS=OFF -DDOCUMENTATION=OFF -DWITH_CTRL_SHELL=OFF -DWITH_TESTS=OFF -Wno-dev >cmake.log 2>&1 &&
      make -j"$(nproc)" mosquitto mosquitto_pub mosquitto_sub mosquitto_rr mosquitto_passwd >make.log 2>&1) ||
      { echo "Error: building mosquitto failed; see $dir/build/cmake.log and make.log." >&2; return 1; }
  fi
  echo "$dir/build"
}
