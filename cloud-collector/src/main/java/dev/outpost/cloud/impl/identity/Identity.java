package dev.outpost.cloud.impl.identity;

import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;

/**
 * What the cloud knows of one machine's enrolment (immutable; a change makes a new one).
 *
 * @param fingerprint SHA-256 of the machine's public key, {@code SHA256:…}
 * @param csr         the signing request, kept while the machine waits for approval
 * @param certificate the certificate issued last (PEM), or null
 * @param via         uid of the connector the hub enrolled through, or null
 * @param address     the address it enrolled from
 */
public record Identity(String uid, long organisationId, Integer siteId, String name, Role role, Enrolment.State state,
                       String fingerprint, String csr, String certificate, long notAfterMs, String via, String address,
                       long requestedMs, long changedMs) {

  Identity with(Enrolment.State newState, String newCertificate, long newNotAfterMs, long nowMs) {
    return new Identity(uid, organisationId, siteId, name, role, newState, fingerprint,
        newState == Enrolment.State.PENDING ? csr : null, newCertificate, newNotAfterMs, via, address, requestedMs, nowMs);
  }
}
