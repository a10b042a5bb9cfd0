package dev.outpost.cloud.impl.identity;

import dev.outpost.cloud.impl.Accounts;
import dev.outpost.cloud.impl.ClientError;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.EnrolmentToken;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.WireFormatException;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sites, enrolment tokens and the enrolment state of every machine, held in memory and written
 * through on the database's writer thread. Issues certificates from the organisation's CA.
 *
 * <p>Connector tokens are single-use; a site's hub token may enrol many hubs until it expires.
 * Tokens are kept as SHA-256 only. A machine keeps its UID and key for life: enrolling again with
 * the same key answers the same state (and the certificate once approved); with another key it is
 * refused.
 */
public final class Registry {
  public static final Duration DEFAULT_TOKEN_VALIDITY = Duration.ofHours(24);
  public static final Duration MAX_TOKEN_VALIDITY = Duration.ofDays(30);
  private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

  private final Database db;
  private final OrganisationCas cas;
  private final Duration certificateValidity;
  private final Map<Long, String> organisations = new ConcurrentHashMap<>();
  private final Map<Integer, Site> sites = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private final Map<String, Identity> identities = new ConcurrentHashMap<>();

  /** A site of an organisation. */
  public record Site(int id, long organisationId, String name) {
  }

  private record Token(String sha256, long organisationId, int siteId, Role role, boolean reusable, long expiresMs,
                       long usedMs) {
  }

  /** A token as its creator sees it, once. */
  public record IssuedToken(String token, Role role, int siteId, Instant expiresAt, boolean reusable) {
  }

  private Registry(Database db, OrganisationCas cas, Duration certificateValidity) {
    this.db = db;
    this.cas = cas;
    this.certificateValidity = certificateValidity;
  }

  /** Loads organisations (and their CAs), sites, tokens and identities. */
  public static Future<Registry> load(Database db, OrganisationCas cas, Duration certificateValidity) {
    var registry = new Registry(db, cas, certificateValidity);
    return db.read(registry::loadAll).map(registry);
  }

  private Void loadAll(Connection c) throws SQLException {
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-organisations"))) {
      while (rs.next()) {
        organisations.put(rs.getLong(1), rs.getString(2));
        cas.ca(rs.getLong(1), rs.getString(2));
      }
    }
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-sites"))) {
      while (rs.next()) {
        var site = new Site(rs.getInt(1), rs.getLong(2), rs.getString(3));
        sites.put(site.id(), site);
      }
    }
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-tokens"))) {
      while (rs.next()) {
        long used = rs.getLong(7);
        var token = new Token(rs.getString(1).trim(), rs.getLong(2), rs.getInt(3), role(rs.getString(4)), rs.getBoolean(5),
            rs.getLong(6), rs.wasNull() ? 0 : used);
        tokens.put(token.sha256(), token);
      }
    }
    try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("select-identities"))) {
      while (rs.next()) {
        int site = rs.getInt(3);
        Integer siteId = rs.wasNull() ? null : site;
        var identity = new Identity(rs.getString(1), rs.getLong(2), siteId, rs.getString(4), role(rs.getString(5)),
            Enrolment.State.valueOf(rs.getString(6).toUpperCase(Locale.ROOT)), rs.getString(7), rs.getString(8),
            rs.getString(9), rs.getLong(10), rs.getString(11), rs.getString(12), rs.getLong(13), rs.getLong(14));
        identities.put(identity.uid(), identity);
      }
    }
    return null;
  }

  private static Role role(String wireName) {
    return Role.valueOf(wireName.toUpperCase(Locale.ROOT));
  }

  /** The organisation's name. */
  public String organisationName(long organisationId) {
    return organisations.get(organisationId);
  }

  /** The id of the organisation with this name, or null. */
  public Long organisationId(String name) {
    return organisations.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey)
        .findFirst().orElse(null);
  }

  /** Creates an organisation with its first user and its CA; its id. */
  public Future<Long> createOrganisation(String name, String user, String password) {
    return db.write(c -> {
      if (organisationId(name) != null) {
        throw new ClientError(409, "an organisation named " + name + " exists already");
      }
      return dev.outpost.cloud.impl.Organisations.create(db, c, name, user, password);
    }, id -> organisationCreated(id, name));
  }

  /** The organisation created first (the one that bootstrapped the cloud). */
  public long firstOrganisation() {
    return organisations.keySet().stream().mapToLong(Long::longValue).min()
        .orElseThrow(() -> new IllegalStateException("the cloud has no organisation"));
  }

  /** Records an organisation created elsewhere (first start) and makes sure its CA exists. */
  public void organisationCreated(long organisationId, String name) {
    organisations.put(organisationId, name);
    cas.ca(organisationId, name);
  }

  // --- sites and tokens ---------------------------------------------------------------------

  public List<Site> sites(long organisationId) {
    return sites.values().stream().filter(s -> s.organisationId() == organisationId)
        .sorted(Comparator.comparing(Site::name)).toList();
  }

  public Future<Site> createSite(long organisationId, String name) {
    return db.write(c -> {
      if (sites.values().stream().anyMatch(s -> s.organisationId() == organisationId && s.name().equals(name))) {
        throw new ClientError(409, "a site named " + name + " exists already");
      }
      try (var ps = c.prepareStatement(db.sql("insert-site"), Statement.RETURN_GENERATED_KEYS)) {
        ps.setLong(1, organisationId);
        ps.setString(2, name);
        ps.executeUpdate();
        try (var keys = ps.getGeneratedKeys()) {
          keys.next();
          return new Site(keys.getInt(1), organisationId, name);
        }
      }
    }, site -> sites.put(site.id(), site));
  }

  private Site requireSite(long organisationId, int siteId) {
    var site = sites.get(siteId);
    if (site == null || site.organisationId() != organisationId) {
      throw ClientError.notFound("no site " + siteId);
    }
    return site;
  }

  /** A new token; connector tokens are single-use, hub tokens serve many hubs until they expire. */
  public Future<IssuedToken> createToken(long organisationId, int siteId, Role role, Duration validity) {
    Duration valid = validity == null ? DEFAULT_TOKEN_VALIDITY : validity;
    if (valid.isNegative() || valid.isZero() || valid.compareTo(MAX_TOKEN_VALIDITY) > 0) {
      return Future.failedFuture(ClientError.badRequest("a token is valid for 1 minute to " + MAX_TOKEN_VALIDITY.toDays() + " days"));
    }
    try {
      requireSite(organisationId, siteId);
    } catch (ClientError e) {
      return Future.failedFuture(e);
    }
    String secret = Accounts.newToken();
    boolean reusable = role == Role.HUB;
    long expires = System.currentTimeMillis() + valid.toMillis();
    var token = new Token(Accounts.sha256(secret), organisationId, siteId, role, reusable, expires, 0);
    return db.write(c -> {
      try (var ps = c.prepareStatement(db.sql("insert-token"))) {
        ps.setString(1, token.sha256());
        ps.setLong(2, organisationId);
        ps.setInt(3, siteId);
        ps.setString(4, role.wireName());
        ps.setBoolean(5, reusable);
        ps.setLong(6, expires);
        ps.executeUpdate();
      }
      return token;
    }, t -> tokens.put(t.sha256(), t)).map(t -> new IssuedToken(new EnrolmentToken(secret, cas.pin(organisationId)).text(),
        role, siteId, Instant.ofEpochMilli(expires), reusable));
  }

  // --- enrolment ----------------------------------------------------------------------------

  public Identity identity(String uid) {
    return uid == null ? null : identities.get(uid);
  }

  public List<Identity> identities(long organisationId, Enrolment.State state) {
    return identities.values().stream()
        .filter(i -> i.organisationId() == organisationId && (state == null || i.state() == state))
        .sorted(Comparator.comparing(Identity::name).thenComparing(Identity::uid)).toList();
  }

  /**
   * A machine asks to be enrolled. With a valid token it is approved at once; a hub without one
   * that comes through a connector waits for an admin.
   *
   * @param viaOrganisation the organisation of the connector that passes the request on, or null
   *                        when the machine asks the cloud itself
   * @param via             that connector's uid, or null
   */
  public Future<Enrolment.Answer> enrol(Enrolment.Request request, Long viaOrganisation, String via, String address) {
    SigningRequest csr;
    try {
      csr = SigningRequest.parse(request.csr());
    } catch (CryptoException e) {
      return Future.failedFuture(ClientError.badRequest("csr: " + e.getMessage()));
    }
    if (!dev.outpost.protocol.Wire.isValidId(csr.commonName())) {
      return Future.failedFuture(ClientError.badRequest("csr: the common name must be the machine UID (1 to 64 of A-Z a-z 0-9 . _ -)"));
    }
    return db.write(c -> decide(c, request, csr, viaOrganisation, via, address), this::install)
        .map(this::answer);
  }

  /** On the writer thread: checks the token, decides, writes. */
  private Identity decide(Connection c, Enrolment.Request request, SigningRequest csr, Long viaOrganisation, String via,
                          String address) throws SQLException {
    long now = System.currentTimeMillis();
    var already = identities.get(csr.commonName());
    if (already != null && already.state() == Enrolment.State.APPROVED && already.fingerprint().equals(csr.fingerprint())
        && (viaOrganisation == null || already.organisationId() == viaOrganisation)) {
      return already;   // a retry of an enrolment whose answer was lost: the same certificate again
    }
    Token token = validToken(request, viaOrganisation, now);
    long organisationId = token != null ? token.organisationId() : viaOrganisation;
    String uid = csr.commonName();
    var known = identities.get(uid);
    if (known != null) {
      if (known.organisationId() != organisationId || !known.fingerprint().equals(csr.fingerprint())) {
        throw new ClientError(409, "machine " + uid + " is enrolled already with another key");
      }
      if (known.state() != Enrolment.State.PENDING || token == null) {
        return known;   // decided already, or still waiting for an admin
      }
    }
    var pending = new Identity(uid, organisationId, token != null ? token.siteId() : null, request.name(), request.role(),
        Enrolment.State.PENDING, csr.fingerprint(), request.csr(), null, 0, via, address, now, now);
    var decided = token != null ? issue(pending, now, csr) : pending;
    write(c, decided, known == null);
    if (token != null && !token.reusable()) {
      try (var ps = c.prepareStatement(db.sql("use-token"))) {
        ps.setLong(1, now);
        ps.setString(2, token.sha256());
        ps.executeUpdate();
      }
      tokens.put(token.sha256(), new Token(token.sha256(), token.organisationId(), token.siteId(), token.role(), false,
          token.expiresMs(), now));
    }
    LOG.info("{} {} ({}) enrolment: {}", request.role().wireName(), uid, request.name(), decided.state().wireName());
    return decided;
  }

  /**
   * The request's token, checked (known, not expired, unused if single-use, for this role and the
   * connector's organisation); null for a hub without one that comes through its connector.
   */
  private Token validToken(Enrolment.Request request, Long viaOrganisation, long now) {
    if (request.token() == null) {
      if (viaOrganisation == null || request.role() != Role.HUB) {
        throw ClientError.unauthorized("an enrolment token is required (only hubs that come through their connector may wait for approval)");
      }
      return null;
    }
    EnrolmentToken parsed;
    try {
      parsed = EnrolmentToken.parse(request.token());
    } catch (WireFormatException e) {
      throw ClientError.badRequest("token: " + e.getMessage());
    }
    Token token = tokens.get(Accounts.sha256(parsed.secret()));
    if (token == null) {
      throw ClientError.forbidden("unknown enrolment token");
    }
    if (token.expiresMs() < now) {
      throw ClientError.forbidden("the enrolment token expired on " + Instant.ofEpochMilli(token.expiresMs()));
    }
    if (!token.reusable() && token.usedMs() > 0) {
      throw ClientError.forbidden("the enrolment token was used already on " + Instant.ofEpochMilli(token.usedMs()));
    }
    if (token.role() != request.role()) {
      throw ClientError.forbidden("the enrolment token is for a " + token.role().wireName() + ", not a " + request.role().wireName());
    }
    if (viaOrganisation != null && token.organisationId() != viaOrganisation) {
      throw ClientError.forbidden("the enrolment token belongs to another organisation than this connector");
    }
    return token;
  }

  private Identity issue(Identity pending, long now) {
    return issue(pending, now, SigningRequest.parse(pending.csr()));
  }

  /** Issues the certificate for a request that was parsed (and its signature checked) already. */
  private Identity issue(Identity pending, long now, SigningRequest csr) {
    var ca = cas.ca(pending.organisationId(), organisations.get(pending.organisationId()));
    var certificate = ca.issue(csr, pending.role().wireName(), List.of(), List.of(), certificateValidity);
    return pending.with(Enrolment.State.APPROVED, Pem.encode(certificate, ca.certificate()),
        certificate.getNotAfter().getTime(), now);
  }

  /**
   * Issues a new certificate, for the same key, to every approved machine whose certificate ends
   * within {@code renewBefore}. Returns the renewed identities.
   */
  public Future<List<Identity>> renewDue(Duration renewBefore) {
    long now = System.currentTimeMillis();
    long limit = now + renewBefore.toMillis();
    var due = identities.values().stream()
        .filter(i -> i.state() == Enrolment.State.APPROVED && i.certificate() != null && i.notAfterMs() < limit)
        .toList();
    if (due.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return db.<List<Identity>>write(c -> {
      var renewed = new ArrayList<Identity>();
      for (Identity identity : due) {
        var current = identities.get(identity.uid());
        if (current == null || current.state() != Enrolment.State.APPROVED) {
          continue;
        }
        var ca = cas.ca(current.organisationId(), organisations.get(current.organisationId()));
        var key = Pem.decodeCertificates(current.certificate(), "the certificate of " + current.uid()).get(0).getPublicKey();
        var certificate = ca.issue(key, current.uid(), current.role().wireName(), List.of(), List.of(), certificateValidity);
        var next = current.with(Enrolment.State.APPROVED, Pem.encode(certificate, ca.certificate()),
            certificate.getNotAfter().getTime(), now);
        write(c, next, false);
        renewed.add(next);
      }
      return renewed;
    }, renewed -> renewed.forEach(this::install)).onSuccess(renewed -> renewed.forEach(i ->
        LOG.info("renewed the certificate of {} {} until {}", i.role().wireName(), i.uid(), Instant.ofEpochMilli(i.notAfterMs()))));
  }

  /** An admin approves a pending machine: its certificate is issued now. */
  public Future<Identity> approve(long organisationId, String uid) {
    return db.write(c -> {
      var known = require(organisationId, uid);
      if (known.state() == Enrolment.State.APPROVED) {
        return known;
      }
      if (known.state() != Enrolment.State.PENDING) {
        throw new ClientError(409, "machine " + uid + " is " + known.state().wireName() + ", not pending");
      }
      var approved = issue(known, System.currentTimeMillis());
      write(c, approved, false);
      return approved;
    }, this::install);
  }

  /** An admin rejects a pending machine. */
  public Future<Identity> reject(long organisationId, String uid) {
    return changeState(organisationId, uid, Enrolment.State.REJECTED, Enrolment.State.PENDING);
  }

  /** An admin revokes a machine: it may never connect again. */
  public Future<Identity> revoke(long organisationId, String uid) {
    return changeState(organisationId, uid, Enrolment.State.REVOKED, null);
  }

  private Future<Identity> changeState(long organisationId, String uid, Enrolment.State to, Enrolment.State from) {
    return db.write(c -> {
      var known = require(organisationId, uid);
      if (known.state() == to) {
        return known;
      }
      if (from != null && known.state() != from) {
        throw new ClientError(409, "machine " + uid + " is " + known.state().wireName() + ", not " + from.wireName());
      }
      var changed = known.with(to, known.certificate(), known.notAfterMs(), System.currentTimeMillis());
      write(c, changed, false);
      return changed;
    }, this::install);
  }

  private Identity require(long organisationId, String uid) {
    var known = identities.get(uid);
    if (known == null || known.organisationId() != organisationId) {
      throw ClientError.notFound("no enrolled or pending machine " + uid);
    }
    return known;
  }

  private void write(Connection c, Identity i, boolean insert) throws SQLException {
    try (var ps = c.prepareStatement(db.sql(insert ? "insert-identity" : "update-identity"))) {
      int n = 1;
      if (insert) {
        ps.setString(n++, i.uid());
        ps.setLong(n++, i.organisationId());
      }
      if (i.siteId() == null) {
        ps.setNull(n++, Types.INTEGER);
      } else {
        ps.setInt(n++, i.siteId());
      }
      ps.setString(n++, i.name());
      ps.setString(n++, i.role().wireName());
      ps.setString(n++, i.state().wireName());
      ps.setString(n++, i.fingerprint());
      ps.setString(n++, i.csr());
      ps.setString(n++, i.certificate());
      ps.setLong(n++, i.notAfterMs());
      ps.setString(n++, i.via());
      ps.setString(n++, i.address());
      ps.setLong(n++, i.requestedMs());
      ps.setLong(n++, i.changedMs());
      if (!insert) {
        ps.setString(n, i.uid());
      }
      ps.executeUpdate();
    }
  }

  private void install(Identity identity) {
    identities.put(identity.uid(), identity);
  }

  /** What the machine is told. */
  public Enrolment.Answer answer(Identity identity) {
    String ca = identity.state() == Enrolment.State.APPROVED
        ? Pem.encode(cas.ca(identity.organisationId(), organisations.get(identity.organisationId())).certificate()) : null;
    return new Enrolment.Answer(identity.uid(), identity.state(),
        identity.state() == Enrolment.State.APPROVED ? identity.certificate() : null, ca);
  }

  /** Whether the machine may use its certificate: enrolled, approved, and with exactly this key. */
  public boolean mayConnect(String uid, String fingerprint) {
    var identity = identities.get(uid);
    return identity != null && identity.state() == Enrolment.State.APPROVED && identity.fingerprint().equals(fingerprint);
  }


}
