package dev.outpost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.MachineIdentity;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Installs a role as a systemd service: the config file, the data folder owned by the service
 * user, the enrolment (in this process, before the service runs), the unit, and — where systemd
 * runs — enable and start. Either it completes or it leaves nothing behind that it made: the
 * config is written to a staging file and moved into place only once the machine is enrolled.
 * A second run on an enrolled machine keeps config and identity and only refreshes the unit.
 */
final class ServiceInstall {
  /** Enrols the machine described by a config file; blocking. Returns what to tell the admin. */
  interface Enrolment {
    String enrol(Path configFile);
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ServiceLayout layout;
  private final Class<?> configType;
  private final String exec;
  private final boolean start;
  private final PrintStream out;

  /** Refuses a {@code --token} that does not have the form of an enrolment token (before anything is made). */
  static void requireTokenForm(String token) {
    try {
      dev.outpost.protocol.EnrolmentToken.parse(token.strip());
    } catch (dev.outpost.protocol.WireFormatException e) {
      throw new UserError("--token is not an enrolment token: " + e.getMessage());
    }
  }

  /**
   * @param layout     where the service lives
   * @param configType the role's config record: the config file is checked against it before anything is installed
   * @param exec   the command that runs {@code outpost} in the unit
   * @param start  whether to run systemctl (enable and start) where systemd runs
   * @param out    where to say what was done
   */
  ServiceInstall(ServiceLayout layout, Class<?> configType, String exec, boolean start, PrintStream out) {
    this.layout = layout;
    this.configType = configType;
    this.exec = exec;
    this.start = start;
    this.out = out;
  }

  /**
   * Installs.
   *
   * @param config    the config file's content for a new install (a machine configured already keeps its file)
   * @param enrolment how to enrol, or null to leave the machine to enrol when the service starts
   */
  void install(ObjectNode config, Enrolment enrolment) {
    ServiceUser.requireRoot(layout.role() + " install");
    String unit = SystemdUnit.render(layout, exec);
    requireOwnFolder(layout.dataDir());
    var made = new ArrayList<Path>();
    Path staged = null;
    try {
      makeFolder(layout.configDir(), "rwxr-xr-x", made);
      makeFolder(layout.dataDir().getParent(), "rwxr-xr-x", made);
      makeFolder(layout.dataDir(), "rwx------", made);
      staged = Files.exists(layout.configFile()) ? null : stage(config);
      Path configFile = staged != null ? staged : layout.configFile();
      if (staged == null) {
        out.println("keeping the existing config file " + configFile);
      }
      ConfigFiles.read(configFile, configType);
      enrol(enrolment, configFile);
      handOverDataFolder();
      if (staged != null) {
        place(staged);
        staged = null;
      }
      makeFolder(layout.unitDir(), "rwxr-xr-x", made);
      writeFile(layout.unitFile(), unit.getBytes(StandardCharsets.UTF_8), "rw-r--r--");
      out.println("wrote " + layout.unitFile());
    } catch (IOException | RuntimeException e) {
      undo(staged, made);
      throw new UserError(layout.role() + " install failed, nothing was installed: "
          + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
    startService();
  }

  /**
   * Refuses a data folder that holds something else: the install gives everything in it to the
   * service user ({@code --data-dir /var/lib} would hand over all of it).
   */
  private static void requireOwnFolder(Path dataDir) {
    if (!Files.isDirectory(dataDir) || Files.exists(dataDir.resolve(MachineIdentity.FILE))) {
      return;
    }
    try (Stream<Path> entries = Files.list(dataDir)) {
      if (entries.findAny().isPresent()) {
        throw new UserError(dataDir + " is not empty and holds no Outpost machine: give a new or empty --data-dir");
      }
    } catch (IOException e) {
      throw new UserError(dataDir + " cannot be read: " + e.getMessage());
    }
  }

  /** The new config file under a name nobody reads (root only), until the install is through. */
  private Path stage(ObjectNode config) throws IOException {
    Path staged = layout.configFile().resolveSibling("." + layout.configFile().getFileName() + ".new");
    writeFile(staged, JSON.writeValueAsBytes(config), "rw-------");
    return staged;
  }

  private void enrol(Enrolment enrolment, Path configFile) {
    if (TlsFiles.inFolder(layout.dataDir()).hasIdentity()) {
      out.println("already enrolled (identity in " + layout.dataDir() + "): not enrolling again");
    } else if (enrolment != null) {
      out.println(enrolment.enrol(configFile));
    } else {
      out.println("not enrolled yet: the " + layout.role() + " asks to be enrolled when the service starts;"
          + " approve it in the cloud (pending machines)");
    }
  }

  /** The service user (made if missing) owns the data folder and everything in it; nobody else may enter. */
  private void handOverDataFolder() throws IOException {
    if (!ServiceUser.exists(layout.user())) {
      ServiceUser.create(layout.user(), ServiceLayout.DATA_ROOT);
      out.println("created the system user " + layout.user());
    }
    Files.setPosixFilePermissions(layout.dataDir(), PosixFilePermissions.fromString("rwx------"));
    ServiceUser.chownTree(layout.dataDir(), layout.user());
  }

  /** Moves the staged config into place: root's, readable by the service's group (it may hold a proxy password). */
  private void place(Path staged) throws IOException {
    var lookup = staged.getFileSystem().getUserPrincipalLookupService();
    var view = Files.getFileAttributeView(staged, PosixFileAttributeView.class);
    view.setOwner(lookup.lookupPrincipalByName("root"));
    view.setGroup(lookup.lookupPrincipalByGroupName(layout.user()));
    view.setPermissions(PosixFilePermissions.fromString("rw-r-----"));
    Files.move(staged, layout.configFile(), StandardCopyOption.ATOMIC_MOVE);
    out.println("wrote " + layout.configFile());
  }

  private void startService() {
    String name = layout.unitName();
    if (!start) {
      out.println("not started (--no-start); start it with: systemctl enable --now " + name);
    } else if (!layout.systemUnitDir()) {
      out.println("not started: " + layout.unitDir() + " is not where systemd looks for units ("
          + ServiceLayout.SYSTEM_UNIT_DIR + ")");
    } else if (!Systemd.running()) {
      out.println("installed but not started: systemd is not running on this machine (PID 1 is " + Systemd.init() + ").");
      out.println("On a machine booted with systemd: systemctl enable --now " + name);
      out.println("Here, in the foreground: runuser -u " + layout.user() + " -- " + exec + " " + layout.role()
          + " --config " + layout.configFile());
    } else {
      Systemd.systemctl("daemon-reload");
      Systemd.systemctl("enable", "--now", name);
      out.println("enabled and started " + name + " (systemctl status " + name + ", journalctl -u " + name + ")");
    }
  }

  private static void makeFolder(Path dir, String mode, List<Path> made) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (dir.getParent() != null) {
      makeFolder(dir.getParent(), "rwxr-xr-x", made);
    }
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    made.add(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode)); // not narrowed by root's umask
  }

  /** Writes the file atomically with exactly this mode (set before the content is in it). */
  private static void writeFile(Path file, byte[] content, String mode) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode)); // not narrowed by root's umask
    try (var channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(content));
      channel.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Removes the staged config and the folders this run made (newest first, with what is in them). */
  private static void undo(Path staged, List<Path> made) {
    try {
      if (staged != null) {
        Files.deleteIfExists(staged);
      }
      for (int i = made.size() - 1; i >= 0; i--) {
        deleteTree(made.get(i));
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("outpost: could not remove what the failed install made: " + e.getMessage());
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
