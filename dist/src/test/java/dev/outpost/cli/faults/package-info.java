/**
 * Fault tests with real processes: a cloud, a connector and a hub, each a JVM started from
 * {@code target/outpost.jar} with a JSON config file, on loopback only. A hub with hundreds of
 * sensors measuring every second makes a heavy flow; a fault is injected during it ({@code kill -9},
 * a stop, an outage, a full outbox, a full disk); every test ends with produced (the hub's outbox
 * file) = stored (the cloud's H2 file) and no duplicates.
 *
 * <p>Run from the repository root:
 * <pre>
 *   mvn -B -o verify -pl dist -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='*FaultIT'
 * </pre>
 * Keep {@code -am}: without it Maven takes the other modules from the shared local repository,
 * which may hold another branch's snapshots. {@code -Doutpost.faults.outage=PT30S} shortens the
 * cloud outage for a local run. When a test fails, the ends of the processes' logs are attached to
 * the failure and the whole logs kept in {@code dist/target/fault-logs/}.
 */
package dev.outpost.cli.faults;
