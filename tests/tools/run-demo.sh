#!/bin/sh
# `make run`: starts stafetad in the foreground on the example
# configuration, with its state (database, dummy modem folder) in ./state.
set -eu
BUILD=${1:-build}
STATE=${STATE:-$(pwd)/state}
mkdir -p "$STATE"
CONF=config/stafeta.conf.example
"$BUILD/stafetad" -n -c "$CONF" -S "$STATE" >/dev/null
cat <<MSG
Stafeta is starting on a dummy GSM modem (no hardware needed).
  state directory : $STATE  (database stafeta.db)
  modem folder    : $STATE/modem-m1  (incoming SMS go in sms/1/)
In another terminal, send it an SMS and look at the answer:
  $BUILD/tools/stafeta-inject $STATE/modem-m1 +40722123456 AJUTOR
  $BUILD/stafeta -c $CONF -S $STATE inbox
  $BUILD/stafeta -c $CONF -S $STATE outbox
  $BUILD/stafeta -c $CONF -S $STATE status
Stop with Ctrl-C.
MSG
exec "$BUILD/stafetad" -f -c "$CONF" -S "$STATE"
