#!/bin/sh
# Runs inside the VM (see scripts/vm/init): the test programs, whose
# outputs and captures go to /results for the host.
set -u
status=0
echo "vm: sctp.test"
/vm/sctp.test -test.v -test.count=1 -test.timeout=120s || status=1
echo "vm: vm.test"
/vm/vm.test -test.v -test.count=1 -test.timeout=180s || status=1
echo "vm: run.sh status $status"
exit $status
