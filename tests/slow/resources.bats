#!/usr/bin/env bats
# Slow test (make check-slow): hundreds of thousands of files under a small
# descriptor limit. The copy must neither run out of descriptors nor stall:
# workers and batches are fitted to the limit, and a passing EMFILE is
# waited out (tests/e2e/resources.bats has the quick versions).

load ../e2e/helpers

setup_file() {
	require_tools iouwalk iouplan iouput iousync
}

setup() {
	T=$(make_tmpdir)
}

teardown() {
	remove_tree "${T:-}"
}

@test "200,000 files in 200 directories copy and resync under a 128-descriptor limit with -j 8" {
	mkdir "$T/src"
	(cd "$T/src" && seq 1 200 | sed 's/^/d/' | xargs mkdir)
	(cd "$T/src" && seq 1 200 | sed 's/^/d/' |
		xargs -P 2 -I{} sh -c 'cd {} && seq 1 1000 | sed "s/^/f/" | xargs touch && echo data >f1')
	run bash -c "ulimit -n 128 && '$IOUSYNC' -j 8 '$T/src' '$T/dst'"
	[ "$status" -eq 0 ] || { echo "$output" | head -20; false; }
	[ "$(find "$T/dst" -type f | wc -l)" -eq 200000 ]
	rsync_oracle "$T/src" "$T/dst" "$T/oracle"
	touch -d @1 "$T/src/d100/f500"
	run bash -c "ulimit -n 128 && '$IOUSYNC' -j 8 -i '$T/src' '$T/dst'"
	[ "$status" -eq 0 ] || { echo "$output" | head -20; false; }
	[ "$output" = ">f..t...... d100/f500" ] || { echo "$output" | head; false; }
	rsync_oracle "$T/src" "$T/dst" "$T/oracle"
}
