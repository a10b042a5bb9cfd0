package dev.outpost.cloud.impl.store;

import dev.outpost.cloud.impl.ClientError;
import dev.outpost.protocol.DefaultSensors;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.State;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link MachineStore} on the database, with every machine held in memory: reads never touch the
 * database; changes are written on the writer thread and become visible after their commit.
 * Last-seen times and newest measurements change with every upload, so they are kept in memory
 * and written by {@link #flush()} (about once a second).
 */
public final class JdbcMachineStore implements MachineStore {
  private static final Comparator<SensorConfig> BY_ID = Comparator.comparing(SensorConfig::id);

  private final Database db;
  private final Map<String, Machine> byUid = new ConcurrentHashMap<>();
  private final Map<Integer, Long> lastSeen = new ConcurrentHashMap<>();
  private final Set<Integer> lastSeenChanged = ConcurrentHashMap.newKeySet();
  private final Map<Integer, Map<String, Latest>> latest = new ConcurrentHashMap<>();
  private final Set<SensorKey> latestChanged = ConcurrentHashMap.newKeySet();

  private record SensorKey(int machineId, String sensor) {
  }

  private JdbcMachineStore(Database db) {
    this.db = db;
  }

  /** Reads every machine, its sensors and newest measurements into memory. */
  public static Future<JdbcMachineStore> load(Database db) {
    var store = new JdbcMachineStore(db);
    return db.read(store::loadAll).map(store);
  }

  private Void loadAll(Connection c) throws SQLException {
    var sensors = new HashMap<Integer, List<SensorConfig>>();
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-sensors"))) {
      while (rs.next()) {
        sensors.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>()).add(new SensorConfig(rs.getString(2),
            rs.getString(3), JsonColumns.readStrings(rs.getString(4)), rs.getInt(5), rs.getInt(6),
            JsonColumns.readThresholds(rs.getString(7)), JsonColumns.readStrings(rs.getString(8))));
      }
    }
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-machines"))) {
      while (rs.next()) {
        int id = rs.getInt(1);
        var machine = new Machine(id, rs.getString(2), rs.getLong(3), rs.getString(4), role(rs.getString(5)),
            rs.getString(6), rs.getLong(8), sensors.getOrDefault(id, List.of()));
        byUid.put(machine.uid(), machine);
        long seen = rs.getLong(7);
        if (!rs.wasNull()) {
          lastSeen.put(id, seen);
        }
      }
    }
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-latest"))) {
      while (rs.next()) {
        latest.computeIfAbsent(rs.getInt(1), k -> new ConcurrentHashMap<>()).put(rs.getString(2),
            new Latest(rs.getLong(3), State.values()[rs.getInt(4)], JsonColumns.readValues(rs.getString(5)),
                JsonColumns.readStrings(rs.getString(6)), rs.getString(7)));
      }
    }
    return null;
  }

  private static Role role(String wireName) {
    return Role.valueOf(wireName.toUpperCase(Locale.ROOT));
  }

  @Override
  public Future<List<Seen>> machines(long organisationId) {
    return Future.succeededFuture(byUid.values().stream()
        .filter(m -> m.organisationId() == organisationId)
        .sorted(Comparator.comparing(Machine::name).thenComparing(Machine::uid))
        .map(this::seen)
        .toList());
  }

  @Override
  public Future<Seen> machine(long organisationId, String uid) {
    try {
      return Future.succeededFuture(seen(require(organisationId, uid)));
    } catch (ClientError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Map<String, Latest>> latest(long organisationId, String uid) {
    try {
      var machine = require(organisationId, uid);
      return Future.succeededFuture(Map.copyOf(latest.getOrDefault(machine.id(), Map.of())));
    } catch (ClientError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Map<String, Latest> newest(String sensor) {
    var newest = new HashMap<String, Latest>();
    for (var machine : byUid.values()) {
      var sensors = latest.get(machine.id());
      var l = sensors == null ? null : sensors.get(sensor);
      if (l != null) {
        newest.put(machine.uid(), l);
      }
    }
    return newest;
  }

  @Override
  public Future<Machine> putSensor(long organisationId, String uid, SensorConfig sensor) {
    return db.write(c -> {
      var machine = require(organisationId, uid);
      if (machine.sensor(sensor.id()).filter(sensor::equals).isPresent()) {
        return machine;
      }
      var sensors = new ArrayList<>(machine.sensors());
      sensors.removeIf(s -> s.id().equals(sensor.id()));
      sensors.add(sensor);
      sensors.sort(BY_ID);
      writeSensor(c, machine.id(), sensor);
      return writeVersion(c, machine.withSensors(machine.configVersion() + 1, sensors));
    }, this::install);
  }

  @Override
  public Future<Machine> deleteSensor(long organisationId, String uid, String sensorId) {
    return db.write(c -> {
      var machine = require(organisationId, uid);
      if (machine.sensor(sensorId).isEmpty()) {
        throw ClientError.notFound("machine " + uid + " has no sensor " + sensorId);
      }
      try (var ps = c.prepareStatement(db.sql("delete-sensor"))) {
        ps.setInt(1, machine.id());
        ps.setString(2, sensorId);
        ps.executeUpdate();
      }
      var sensors = machine.sensors().stream().filter(s -> !s.id().equals(sensorId)).toList();
      return writeVersion(c, machine.withSensors(machine.configVersion() + 1, sensors));
    }, this::install);
  }

  @Override
  public Future<List<Machine>> register(long organisationId, List<MachineRef> machines, String via, boolean touch) {
    return db.write(c -> ensure(c, organisationId, machines, via), this::installAll).map(registered -> {
      if (touch) {
        long now = System.currentTimeMillis();
        registered.forEach(m -> touch(m.id(), now));
      }
      return registered;
    });
  }

  @Override
  public void touch(String uid) {
    var machine = byUid.get(uid);
    if (machine != null) {
      touch(machine.id(), System.currentTimeMillis());
    }
  }

  @Override
  public long onlineCount(long windowMs) {
    long since = System.currentTimeMillis() - windowMs;
    return lastSeen.values().stream().filter(t -> t >= since).count();
  }

  @Override
  public Future<Void> flush() {
    if (lastSeenChanged.isEmpty() && latestChanged.isEmpty()) {
      return Future.succeededFuture();
    }
    var seenIds = drain(lastSeenChanged);
    var sensorKeys = drain(latestChanged);
    return db.<Void>write(c -> {
      try (var ps = c.prepareStatement(db.sql("update-last-seen"))) {
        for (var id : seenIds) {
          ps.setLong(1, lastSeen.get(id));
          ps.setInt(2, id);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (var ps = c.prepareStatement(db.sql("merge-latest"))) {
        for (var key : sensorKeys) {
          var l = latest.get(key.machineId()).get(key.sensor());
          ps.setInt(1, key.machineId());
          ps.setString(2, key.sensor());
          ps.setLong(3, l.timeMs());
          ps.setInt(4, l.state().ordinal());
          ps.setString(5, JsonColumns.values(l.values()));
          ps.setString(6, JsonColumns.strings(l.units()));
          ps.setString(7, l.message());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    }, done -> { }).onFailure(e -> {
      lastSeenChanged.addAll(seenIds);
      latestChanged.addAll(sensorKeys);
    });
  }

  private static <T> List<T> drain(Set<T> changed) {
    var drained = new ArrayList<T>(changed.size());
    for (var it = changed.iterator(); it.hasNext(); ) {
      drained.add(it.next());
      it.remove();
    }
    return drained;
  }

  // --- used by the ingest on the writer thread -------------------------------------------------

  /** The machine with this uid, or null; only on the writer thread is this the committed state. */
  Machine byUid(String uid) {
    return byUid.get(uid);
  }

  /**
   * Creates unknown machines (with the default sensors) and refreshes name, role and via of known
   * ones, inside the caller's transaction. Call {@link #installAll} with the result after the commit.
   *
   * @param via the connector's uid; a machine's via is null when it is the connector itself
   */
  List<Machine> ensure(Connection c, long organisationId, List<MachineRef> refs, String via) throws SQLException {
    var result = new LinkedHashMap<String, Machine>();
    for (var ref : refs) {
      var known = result.containsKey(ref.uid()) ? result.get(ref.uid()) : byUid.get(ref.uid());
      var machineVia = ref.uid().equals(via) ? null : via;
      if (known == null) {
        result.put(ref.uid(), insert(c, organisationId, ref, machineVia));
      } else if (known.organisationId() != organisationId) {
        throw ClientError.forbidden("machine " + ref.uid() + " belongs to another organisation");
      } else if (!known.name().equals(ref.name()) || known.role() != ref.role() || !java.util.Objects.equals(known.via(), machineVia)) {
        try (var ps = c.prepareStatement(db.sql("update-machine"))) {
          ps.setString(1, ref.name());
          ps.setString(2, ref.role().wireName());
          ps.setString(3, machineVia);
          ps.setInt(4, known.id());
          ps.executeUpdate();
        }
        result.put(ref.uid(), known.withIdentity(ref.name(), ref.role(), machineVia));
      } else {
        result.put(ref.uid(), known);
      }
    }
    return List.copyOf(result.values());
  }

  private Machine insert(Connection c, long organisationId, MachineRef ref, String via) throws SQLException {
    int id;
    try (var ps = c.prepareStatement(db.sql("insert-machine"), Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, ref.uid());
      ps.setLong(2, organisationId);
      ps.setString(3, ref.name());
      ps.setString(4, ref.role().wireName());
      ps.setString(5, via);
      ps.setNull(6, Types.BIGINT);
      ps.setLong(7, 1);
      ps.executeUpdate();
      try (var keys = ps.getGeneratedKeys()) {
        keys.next();
        id = keys.getInt(1);
      }
    }
    var sensors = new ArrayList<>(DefaultSensors.forNewMachine());
    sensors.sort(BY_ID);
    for (var sensor : sensors) {
      writeSensor(c, id, sensor);
    }
    return new Machine(id, ref.uid(), organisationId, ref.name(), ref.role(), via, 1, sensors);
  }

  /** Makes committed machines visible. */
  void installAll(List<Machine> machines) {
    machines.forEach(this::install);
  }

  private void install(Machine machine) {
    byUid.put(machine.uid(), machine);
  }

  void touch(int machineId, long nowMs) {
    lastSeen.put(machineId, nowMs);
    lastSeenChanged.add(machineId);
  }

  /** Records a stored measurement as the newest of its sensor if it is newer than the one known. */
  void offerLatest(int machineId, String sensor, Latest candidate) {
    var sensors = latest.computeIfAbsent(machineId, k -> new ConcurrentHashMap<>());
    var current = sensors.get(sensor);
    if (current == null || candidate.timeMs() >= current.timeMs()) {
      sensors.put(sensor, candidate);
      latestChanged.add(new SensorKey(machineId, sensor));
    }
  }

  private Machine require(long organisationId, String uid) {
    var machine = byUid.get(uid);
    if (machine == null || machine.organisationId() != organisationId) {
      throw ClientError.notFound("no machine " + uid);
    }
    return machine;
  }

  private Seen seen(Machine machine) {
    return new Seen(machine, lastSeen.getOrDefault(machine.id(), 0L));
  }

  private void writeSensor(Connection c, int machineId, SensorConfig sensor) throws SQLException {
    try (var ps = c.prepareStatement(db.sql("merge-sensor"))) {
      ps.setInt(1, machineId);
      ps.setString(2, sensor.id());
      ps.setString(3, sensor.type());
      ps.setString(4, JsonColumns.strings(sensor.settings()));
      ps.setInt(5, sensor.intervalSeconds());
      ps.setInt(6, sensor.timeoutSeconds());
      ps.setString(7, JsonColumns.thresholds(sensor.thresholds()));
      ps.setString(8, JsonColumns.strings(sensor.secrets()));
      ps.executeUpdate();
    }
  }

  private Machine writeVersion(Connection c, Machine machine) throws SQLException {
    try (var ps = c.prepareStatement(db.sql("update-config-version"))) {
      ps.setLong(1, machine.configVersion());
      ps.setInt(2, machine.id());
      ps.executeUpdate();
    }
    return machine;
  }
}
