package dev.outpost.connector;

import dev.outpost.crypto.PinnedCa;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.EnrolmentKeys;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.EnrolmentToken;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import dev.outpost.transport.Dialer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connector's enrolment at the cloud: with the one-time token from the cloud it sends its signing
 * request (never its private key) over TLS to {@code POST /device/v1/enrol}, trusting only a cloud
 * whose CA has the token's pin, and keeps the certificate and CA it gets as its identity.
 */
final class CloudEnrolment {
  static final String PATH = "/device/v1/enrol";
  private static final Logger log = LoggerFactory.getLogger(CloudEnrolment.class);

  private CloudEnrolment() {
  }

  /** Blocking. Enrols the connector unless it has its identity already. */
  static void ensure(ConnectorConfig config, MachineRef machine) {
    var tls = TlsFiles.inFolder(config.dataDir());
    if (tls.hasIdentity()) {
      return;
    }
    if (config.token() == null) {
      throw new IllegalStateException("this connector is not enrolled yet: start it once with --token TOKEN "
          + "(a connector enrolment token made in the cloud: POST /api/v1/sites/{id}/tokens)");
    }
    EnrolmentToken token;
    try {
      token = EnrolmentToken.parse(config.token());
    } catch (WireFormatException e) {
      throw new IllegalStateException("the enrolment token is malformed: " + e.getMessage());
    }
    var pending = EnrolmentKeys.loadOrCreate(config.dataDir(), machine.uid());
    var trust = new PinnedCa(token.caPin());
    var request = new Enrolment.Request(Wire.VERSION, token.text(), pending.csr(), machine.name(), machine.role());
    try (var dialer = Dialer.firstContact(config.cloud(), trust)) {
      var response = dialer.send("POST", PATH, "application/json", Wire.toJson(request), null);
      if (response.status() != 200) {
        throw new IllegalStateException("the cloud refused the enrolment (" + response.status() + "): "
            + new String(response.body(), StandardCharsets.UTF_8));
      }
      var answer = Wire.fromJson(response.body(), Enrolment.Answer.class);
      EnrolmentKeys.complete(config.dataDir(), machine.uid(), machine.role(), pending, answer, trust.ca());
      log.info("enrolled at the cloud as {} ({}), key {}", machine.name(), machine.uid(), pending.fingerprint());
    }
  }
}
