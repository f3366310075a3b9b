#!/usr/bin/env bash
# Apache Kafka for yotml-airflow, from Maven Central: Spark's Kafka connector jars and a real single-node
# KRaft broker on loopback. Used by the tests, the demo, the benchmarks and CI.
#
#   scripts/kafka.sh fetch    download (once; cached) the connector jars and the broker jars with mvn
#   scripts/kafka.sh jars     print the connector jars, comma separated (for spark-submit --jars)
#   scripts/kafka.sh start    format storage if needed, start the broker, print its bootstrap servers
#   scripts/kafka.sh stop     stop the broker started from the same data dir
#   scripts/kafka.sh status   print the bootstrap servers and exit 0 if the broker runs, else exit 1
#
# Settings (environment):
#   YOTML_KAFKA_HOME  where the jars live        (default: <repo>/.yotml/kafka)
#   KAFKA_DATA_DIR    storage, logs, pid, config (default: $YOTML_KAFKA_HOME/run)
#   KAFKA_PORT        client port                (default: a free port on 127.0.0.1)
#   KAFKA_HEAP_OPTS   broker JVM heap            (default: -Xms128m -Xmx512m)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KHOME="${YOTML_KAFKA_HOME:-$ROOT/.yotml/kafka}"
DATA="${KAFKA_DATA_DIR:-$KHOME/run}"
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "[kafka] $*" >&2; }

fetch_one() {  # fetch_one connector|broker
  local name="$1" dest="$KHOME/$1"
  if [ -f "$dest/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || { log "mvn (Apache Maven) is required to fetch the Kafka jars: apt-get install maven"; exit 3; }
  local tmp="$KHOME/.$name.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "fetching the $name jars from Maven Central into $dest"
  mvn -q -B -Dstyle.color=never -f "$ROOT/kafka/$name/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
  touch "$tmp/.complete"
  rm -rf "$dest"; mv "$tmp" "$dest"
}

free_port() {
  "$JAVA_BIN" -version >/dev/null 2>&1
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

running_pid() {
  [ -f "$DATA/kafka.pid" ] || return 1
  local pid; pid="$(cat "$DATA/kafka.pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {  # write_config PORT CONTROLLER_PORT
  cat > "$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$2
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$1
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  cat > "$DATA/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $DATA/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
PROPS
}

start() {
  fetch_one broker
  local pid
  if pid="$(running_pid)"; then cat "$DATA/bootstrap"; return 0; fi
  mkdir -p "$DATA"
  local cp="$KHOME/broker/*"
  local port="${KAFKA_PORT:-}" cport
  if [ -f "$DATA/data/meta.properties" ] && [ -f "$DATA/ports" ]; then
    read -r saved_port cport < "$DATA/ports"
    port="${port:-$saved_port}"
  else
    port="${port:-$(free_port)}"; cport="$(free_port)"
    while [ "$cport" = "$port" ]; do cport="$(free_port)"; done
  fi
  write_config "$port" "$cport"
  echo "$port $cport" > "$DATA/ports"
  if [ ! -f "$DATA/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$("$JAVA_BIN" -cp "$cp" kafka.tools.StorageTool random-uuid)"
    "$JAVA_BIN" -Dlog4j2.configurationFile="$DATA/log4j2.properties" -cp "$cp" kafka.tools.StorageTool format \
        -t "$cluster_id" -c "$DATA/server.properties" --standalone >"$DATA/format.log" 2>&1 \
      || { log "formatting the storage failed:"; cat "$DATA/format.log" >&2; exit 1; }
  fi
  : > "$DATA/server.log"
  # shellcheck disable=SC2086
  nohup "$JAVA_BIN" ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$DATA/log4j2.properties" -cp "$cp" kafka.Kafka "$DATA/server.properties" \
      >"$DATA/stdout.log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$DATA/kafka.pid"
  echo "127.0.0.1:$port" > "$DATA/bootstrap"
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker exited during start; last lines of $DATA/server.log and stdout.log:"
      tail -n 30 "$DATA/server.log" "$DATA/stdout.log" >&2 || true
      rm -f "$DATA/kafka.pid"; exit 1
    fi
    if grep -q "Kafka Server started" "$DATA/server.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      log "broker pid $pid listening on 127.0.0.1:$port (data: $DATA)"
      cat "$DATA/bootstrap"; return 0
    fi
    sleep 0.1
  done
  log "the broker did not start within 60 s; see $DATA/server.log"; stop; exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$DATA/kafka.pid"; return 0; fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "broker $pid ignored SIGTERM for 20 s: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$DATA/kafka.pid"
  log "broker $pid stopped"
}

case "${1:-}" in
  fetch)  fetch_one connector; fetch_one broker ;;
  jars)   fetch_one connector; ls "$KHOME"/connector/*.jar | paste -sd, - ;;
  start)  start ;;
  stop)   stop ;;
  status) if running_pid >/dev/null; then cat "$DATA/bootstrap"; else echo "not running" >&2; exit 1; fi ;;
  *) echo "usage: $0 fetch|jars|start|stop|status" >&2; exit 2 ;;
esac
