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

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
