package dev.outpost.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupportAccessTest {
  @TempDir
  Path dir;

  @Test
  void supportAccessIsOffOnANewInstallAndKeepsWhatTheAdminSaid() {
    assertEquals(SupportAccess.State.OFF, SupportAccess.load(dir));
    SupportAccess.save(dir, new SupportAccess.State(false, true));
    assertEquals(new SupportAccess.State(false, true), SupportAccess.load(dir));
    assertEquals("off, turns on when the cloud is reachable", SupportAccess.load(dir).describe());
  }
}
