package dev.outpost.cloud.impl.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded H2 database in {@code DATA/cloud}: migrated by Flyway on open, one writer connection
 * used by one worker thread (so writes never wait for each other's locks and can be grouped), and a
 * small pool of reader connections on their own workers. No JDBC call ever runs on an event loop.
 *
 * <p>Every commit is written to the file before it returns ({@code WRITE_DELAY=0}): the cloud
 * acknowledges uploads after their commit, so a commit that a process kill could still take back
 * would lose acknowledged measurements. When a write fails so that H2 closes the database (a full
 * disk), the next write opens it again, so the cloud recovers by itself once there is space; until
 * then writes fail and callers answer "try again later".
 */
public final class Database {
  /** The database kind; selects {@code db/KIND/migration} and {@code db/KIND/statements.sql}. */
  public static final String KIND = "h2";
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  private static final int READERS = 4;
  private static final String USER = "outpost";
  /** H2's error code for a database that a failure closed (org.h2.api.ErrorCode.DATABASE_IS_CLOSED). */
  private static final int DATABASE_IS_CLOSED = org.h2.api.ErrorCode.DATABASE_IS_CLOSED;

  private final Vertx vertx;
  private final String url;
  private Connection writer;
  private volatile JdbcConnectionPool readers;
  /** Set on the writer thread when a failure closed the writer's database. */
  private boolean broken;
  private final WorkerExecutor writeExecutor;
  private final WorkerExecutor readExecutor;
  private final SqlStatements sql;

  /** Work on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private Database(Vertx vertx, String url, Connection writer, JdbcConnectionPool readers, SqlStatements sql) {
    this.vertx = vertx;
    this.url = url;
    this.writer = writer;
    this.readers = readers;
    this.writeExecutor = vertx.createSharedWorkerExecutor("outpost-db-writer-" + System.identityHashCode(this), 1);
    this.readExecutor = vertx.createSharedWorkerExecutor("outpost-db-reader-" + System.identityHashCode(this), READERS);
    this.sql = sql;
  }

  /** Opens (creating if needed) the database in the folder and brings its schema up to date. */
  public static Future<Database> open(Vertx vertx, Path folder) {
    return vertx.executeBlocking(() -> {
      java.nio.file.Files.createDirectories(folder);
      var sql = SqlStatements.load("db/" + KIND + "/statements.sql");
      var url = url(folder);
      var result = flyway(url).javaMigrations(new MeasurementRowsToBlocks(sql)).load().migrate();
      if (result.migrationsExecuted > 0) {
        LOG.info("Database in {} migrated to schema version {}", folder, result.targetSchemaVersion);
      }
      return new Database(vertx, url, writerConnection(url), readerPool(url), sql);
    });
  }

  /** The JDBC URL of the database in the folder. */
  static String url(Path folder) {
    return "jdbc:h2:file:" + folder.toAbsolutePath().resolve("outpost") + ";DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=65536;WRITE_DELAY=0";
  }

  private static Connection writerConnection(String url) throws SQLException {
    var writer = DriverManager.getConnection(url, USER, "");
    writer.setAutoCommit(false);
    return writer;
  }

  private static JdbcConnectionPool readerPool(String url) {
    // Lazy: a range read stops early without the database reading every row it could match.
    var readers = JdbcConnectionPool.create(url + ";LAZY_QUERY_EXECUTION=TRUE", USER, "");
    readers.setMaxConnections(READERS);
    return readers;
  }

  /** Flyway for the database at the URL with the SQL migrations of this kind (Java ones are added by the caller). */
  static FluentConfiguration flyway(String url) {
    return Flyway.configure()
        .dataSource(url, USER, "")
        .locations("classpath:db/" + KIND + "/migration");
  }

  /** The named statement of this database kind. */
  public String sql(String name) {
    return sql.get(name);
  }

  /**
   * Runs the work on the writer connection, one at a time in submission order, and commits; rolls
   * back if it throws.
   */
  public <T> Future<T> write(Work<T> work) {
    return write(work, result -> { });
  }

  /**
   * Like {@link #write(Work)}, and then runs {@code afterCommit} on the writer thread, before any
   * later write starts: the place to make the committed state visible in memory.
   */
  public <T> Future<T> write(Work<T> work, java.util.function.Consumer<T> afterCommit) {
    return writeExecutor.executeBlocking(() -> {
      T result = inTransaction(work);
      afterCommit.accept(result);
      return result;
    }, true);
  }

  /** Runs the task on the writer thread, where it may call {@link #inTransaction} as often as it needs. */
  <T> Future<T> onWriterThread(java.util.concurrent.Callable<T> task) {
    return writeExecutor.executeBlocking(task, true);
  }

  /** Runs the work on a reader connection. */
  public <T> Future<T> read(Work<T> work) {
    return readExecutor.executeBlocking(() -> {
      try (var connection = readers.getConnection()) {
        return work.run(connection);
      }
    }, false);
  }

  /** Runs the work on the writer connection and commits; only on the writer thread (inside {@link #write}). */
  <T> T inTransaction(Work<T> work) throws SQLException {
    reopenIfBroken();
    try {
      T result = work.run(writer);
      writer.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        writer.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      if (e instanceof SQLException sql && (sql.getErrorCode() == DATABASE_IS_CLOSED || writer.isClosed() || !writer.isValid(1))) {
        broken = true;
        LOG.error("the database closed after a failed write ({}); it is opened again with the next write", e.getMessage());
      }
      throw e;
    }
  }

  /** After a failure that closed the database (a full disk): a new writer connection opens it again. */
  private void reopenIfBroken() throws SQLException {
    if (!broken) {
      return;
    }
    try {
      writer.close();
    } catch (SQLException ignored) {
      // it is broken already
    }
    writer = writerConnection(url);
    var old = readers;
    readers = readerPool(url);
    old.dispose();
    broken = false;
    LOG.warn("the database is open again");
  }

  /** Checks that the database answers. */
  public Future<Void> ping() {
    return read(c -> {
      try (var s = c.createStatement(); var rs = s.executeQuery(sql("select-1"))) {
        rs.next();
        return null;
      }
    });
  }

  /** Finishes the queued writes and closes every connection. */
  public Future<Void> close() {
    return writeExecutor.<Void>executeBlocking(() -> {
      writer.close();
      readers.dispose();
      return null;
    }, true).eventually(() -> Future.all(writeExecutor.close(), readExecutor.close()));
  }

  Vertx vertx() {
    return vertx;
  }
}
