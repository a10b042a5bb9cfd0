package dev.outpost.transport.session.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MuxFrameTest {
  private static FrameReader reader(byte[] bytes) {
    return new FrameReader(new ByteArrayInputStream(bytes));
  }

  @Test
  void framesRoundTripWithTheDocumentedLayout() throws Exception {
    var bytes = new ByteArrayOutputStream();
    var writer = new FrameWriter(bytes);
    writer.write(new Frame(Frame.OPEN, 3, "db:5432".getBytes()));
    writer.write(new Frame(Frame.DATA, 0x7fffffff, new byte[Frame.MAX_PAYLOAD]));
    writer.write(Frame.empty(Frame.FIN, 3));
    writer.flush();

    var wire = bytes.toByteArray();
    assertArrayEquals(new byte[] {1, 0, 0, 0, 3, 0, 0, 0, 7, 'd', 'b', ':', '5', '4', '3', '2'},
        Arrays.copyOf(wire, 16), "[type u8][stream u32][length u32][payload], big-endian");
    var reader = reader(wire);
    var open = reader.read();
    assertEquals(Frame.OPEN, open.type());
    assertEquals(3, open.stream());
    assertEquals("db:5432", new String(open.content(), java.nio.charset.StandardCharsets.UTF_8));
    var data = reader.read();
    assertEquals(0x7fffffff, data.stream());
    assertEquals(Frame.MAX_PAYLOAD, data.length());
    assertEquals(Frame.FIN, reader.read().type());
    assertNull(reader.read(), "a clean end between frames");
  }

  @Test
  void badFramesAreRefusedWithWhatIsWrong() {
    assertEquals("unknown frame type 0x2a", assertThrows(MuxProtocolException.class,
        () -> reader(RawEnd.header(0x2a, 1, 0)).read()).getMessage());
    assertEquals("DATA frame of 65537 bytes on stream 1, at most 65536 allowed", assertThrows(
        MuxProtocolException.class, () -> reader(RawEnd.header(Frame.DATA, 1, 65537)).read()).getMessage());
    assertEquals("DATA frame of 4294967295 bytes on stream 1, at most 65536 allowed", assertThrows(
        MuxProtocolException.class, () -> reader(RawEnd.header(Frame.DATA, 1, -1)).read()).getMessage());
    assertEquals("WINDOW frame for stream 2147483648, above the highest stream id 2147483647", assertThrows(
        MuxProtocolException.class, () -> reader(RawEnd.header(Frame.WINDOW, 0x80000000, 4)).read()).getMessage());
    assertEquals("the connection ended inside a DATA frame of 10 bytes", assertThrows(MuxProtocolException.class,
        () -> reader(Arrays.copyOf(RawEnd.header(Frame.DATA, 1, 10), 14)).read()).getMessage());
    assertEquals("the connection ended inside a PING frame header", assertThrows(MuxProtocolException.class,
        () -> reader(new byte[] {Frame.PING, 0, 0}).read()).getMessage());
  }

  @Test
  void targetsAreParsedStrictly() {
    assertEquals(new HostPort("db.site.lan", 5432), HostPort.parse("db.site.lan:5432"));
    assertEquals(new HostPort("::1", 22), HostPort.parse("[::1]:22"));
    assertEquals("[::1]:22", HostPort.parse("[::1]:22").toString());
    assertEquals("'db' has no port; expected host:port",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("db")).getMessage());
    assertEquals("'::1:22': write IPv6 addresses in brackets, [address]:port",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:22")).getMessage());
    assertEquals("port 70000 is not between 1 and 65535",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("db:70000")).getMessage());
    assertEquals("'db host' is not a host name or IP address",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("db host:80")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse(":80"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("db:"));
  }
}
