package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The child JVM of {@link UpnpNamespaceDiscoveryTest}, run with {@code ip netns exec NS java ...} inside a
 * network namespace: one {@link UpnpNode} on one interface that announces a device and watches for the
 * other role, and reports on stdout, one line each:
 * <pre>
 * READY &lt;role&gt; &lt;uid&gt;                          node started and device announced
 * FOUND &lt;role&gt; &lt;uid&gt; &lt;address&gt; &lt;port&gt;   a device of the watched role on another node
 * GONE &lt;role&gt; &lt;uid&gt; &lt;BYEBYE|LOST&gt;
 * ERROR &lt;message&gt;                             could not start (exit code 2)
 * </pre>
 * It stops (byebye, exit 0) when stdin reaches its end or reads {@code STOP}, so it does not outlive the
 * test JVM.
 *
 * <p>Arguments: {@code connector|hub INTERFACE UID NAME [LAN_PORT]}; a connector watches hubs, a hub
 * watches connectors.
 */
public final class UpnpNamespaceNode {
  private UpnpNamespaceNode() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.out.println("ERROR usage: connector|hub INTERFACE UID NAME [LAN_PORT]");
      System.exit(2);
    }
    boolean connector = args[0].equals("connector");
    String iface = args[1];
    String uid = args[2];
    String name = args[3];
    DeviceInfo device = connector
        ? DeviceInfo.connector(uid, name, "test", Integer.parseInt(args.length > 4 ? args[4] : "4443"))
        : DeviceInfo.hub(uid, name, "test");
    Role watched = connector ? Role.HUB : Role.CONNECTOR;

    UpnpNode node;
    try {
      // TTL 1 and a search every second: the namespace pair is one link, and a lost M-SEARCH is repeated soon
      node = UpnpNode.start(new DiscoveryConfig(List.of(iface), 0, Duration.ofSeconds(1), 1, null));
      node.announce(device);
    } catch (RuntimeException e) {
      say("ERROR " + e);
      System.exit(2);
      return;
    }
    say("READY " + device.role().wireName() + " " + uid);
    node.watch(watched, new DiscoveryListener() {
      @Override
      public void found(Found f) {
        if (!f.local()) {
          say("FOUND " + f.role().wireName() + " " + f.uid() + " " + f.address() + " " + f.port());
        }
      }

      @Override
      public void gone(Found f, Gone why) {
        if (!f.local()) {
          say("GONE " + f.role().wireName() + " " + f.uid() + " " + why);
        }
      }
    });

    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.strip().equals("STOP"); line = in.readLine()) {
      // wait for the end
    }
    node.close();
    say("STOPPED");
    System.exit(0);
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
