package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scaivault.testkit.leak.IssuedSecrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dynamic-secret leases on the server clock; expiry, revocation and the reaper drop the engine's role. */
final class Leases {
    private static final Logger log = LoggerFactory.getLogger(ScaiVaultDevServer.class);

    record Role(String engine, String role, DynamicEngine backend, RoleConfig config) {}

    private static final class Lease {
        final String id;
        final Role role;
        final String username;
        final Instant issuedAt;
        final long order = ORDER.incrementAndGet();
        Instant renewedAt;
        Instant expiresAt;
        Instant maxExpiresAt;
        boolean gone;

        Lease(String id, Role role, String username, Instant issuedAt, Instant expiresAt, Instant maxExpiresAt) {
            this.id = id;
            this.role = role;
            this.username = username;
            this.issuedAt = issuedAt;
            this.renewedAt = issuedAt;
            this.expiresAt = expiresAt;
            this.maxExpiresAt = maxExpiresAt;
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong ORDER = new java.util.concurrent.atomic.AtomicLong();

    private final Clock clock;
    private final Events events;
    private final Map<String, Role> roles;
    private final Map<String, Lease> live = new ConcurrentHashMap<>();
    private final List<String> revoked = new CopyOnWriteArrayList<>();
    private final List<String> expired = new CopyOnWriteArrayList<>();

    Leases(Clock clock, Events events, Map<String, Role> roles) {
        this.clock = clock;
        this.events = events;
        this.roles = Map.copyOf(roles);
    }

    /** Millisecond precision, so the JSON times and the database's VALID UNTIL are the same instant. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    static String key(String engine, String role) {
        return engine + '\u0000' + role;
    }

    ObjectNode create(String engine, String roleName, Duration ttl, SecretStore.Actor actor) {
        Role role = roles.get(key(engine, roleName));
        if (role == null) {
            boolean engineKnown =
                    roles.values().stream().anyMatch(r -> r.engine().equals(engine));
            throw engineKnown
                    ? ApiError.notFound("role_not_found", "engine " + engine + " has no role " + roleName)
                    : ApiError.notFound("engine_not_found", "no dynamic engine " + engine);
        }
        Instant now = now();
        Duration granted = ttl == null ? role.config().defaultTtl() : ttl;
        if (granted.compareTo(role.config().maxTtl()) > 0) {
            granted = role.config().maxTtl();
        }
        String username = username(roleName);
        String password = Ids.alnum(32);
        IssuedSecrets.issued(password);
        Lease l = new Lease(
                "lease_" + Ids.hex(24),
                role,
                username,
                now,
                now.plus(granted),
                now.plus(role.config().maxTtl()));
        role.backend().create(username, password, l.expiresAt, role.config());
        live.put(l.id, l);
        log.debug("lease {} created for {}/{} as {} until {}", l.id, engine, roleName, username, l.expiresAt);
        ObjectNode o = toJson(l, now);
        o.putObject("data").put("username", username).put("password", password);
        events.publish("lease.created", eventPath(l), actor.identityId(), actor.requestId(), eventData(l, now));
        return o;
    }

    ObjectNode lookup(String id) {
        Lease l = find(id);
        synchronized (l) {
            Instant now = now();
            checkLive(l, now);
            return toJson(l, now);
        }
    }

    ObjectNode renew(String id, Duration increment, SecretStore.Actor actor) {
        Lease l = find(id);
        synchronized (l) {
            Instant now = now();
            checkLive(l, now);
            if (!l.role.config().renewable()) {
                throw ApiError.badRequest("lease_not_renewable", "lease " + id + " is not renewable");
            }
            Duration inc = increment == null ? l.role.config().defaultTtl() : increment;
            Instant wanted = now.plus(inc);
            Instant next = wanted.isAfter(l.maxExpiresAt) ? l.maxExpiresAt : wanted;
            l.role.backend().extend(l.username, next, l.role.config());
            l.expiresAt = next;
            l.renewedAt = now;
            log.debug("lease {} renewed until {}", id, next);
            events.publish("lease.renewed", eventPath(l), actor.identityId(), actor.requestId(), eventData(l, now));
            return toJson(l, now);
        }
    }

    /**
     * Caps a live lease: no renewal extends it past its current expiry, or past {@code now + within} when
     * that comes sooner (the expiry and the role's {@code VALID UNTIL} move there). The client's next renewal
     * comes back short, so it moves to a successor as it does at max TTL: a forced rotation without errors.
     */
    ObjectNode cap(String id, Duration within) {
        Lease l = find(id);
        synchronized (l) {
            Instant now = now();
            checkLive(l, now);
            Instant cap = l.expiresAt;
            if (within != null && now.plus(within).isBefore(cap)) {
                cap = now.plus(within);
                l.role.backend().extend(l.username, cap, l.role.config());
                l.expiresAt = cap;
            }
            if (cap.isBefore(l.maxExpiresAt)) {
                l.maxExpiresAt = cap;
            }
            log.debug("lease {} capped at {}", id, cap);
            return toJson(l, now);
        }
    }

    /** Revokes a live lease; 404 {@code lease_not_found} when it is unknown or already gone. */
    void revoke(String id, SecretStore.Actor actor, boolean fromApi) {
        Lease l = find(id);
        synchronized (l) {
            Instant now = now();
            if (fromApi) {
                checkLive(l, now);
            } else if (l.gone) {
                throw new IllegalArgumentException("lease " + id + " is already gone");
            }
            end(l, now, "lease.revoked", actor);
            revoked.add(id);
        }
    }

    void expireNow(String id) {
        Lease l = find(id);
        synchronized (l) {
            if (l.gone) {
                throw new IllegalArgumentException("lease " + id + " is already gone");
            }
            end(l, now(), "lease.expired", new SecretStore.Actor(Api.OPERATOR, null));
            expired.add(id);
        }
    }

    /** Ends every lease whose expiry has passed on the server clock. */
    void reap() {
        Instant now = now();
        for (Lease l : live.values()) {
            synchronized (l) {
                if (!l.gone && !now.isBefore(l.expiresAt)) {
                    expire(l, now);
                }
            }
        }
    }

    /** Revokes what is left when the server closes, so no database role outlives the dev server. */
    void revokeAll() {
        for (Lease l : live.values()) {
            synchronized (l) {
                if (!l.gone) {
                    try {
                        end(l, now(), "lease.revoked", new SecretStore.Actor(Api.OPERATOR, null));
                        revoked.add(l.id);
                    } catch (RuntimeException e) {
                        log.warn("lease {}: role {} could not be dropped at shutdown", l.id, l.username, e);
                    }
                }
            }
        }
    }

    List<LeaseInfo> snapshot() {
        List<Lease> sorted = new ArrayList<>(live.values());
        sorted.sort(Comparator.comparingLong(l -> l.order));
        List<LeaseInfo> out = new ArrayList<>();
        for (Lease l : sorted) {
            synchronized (l) {
                if (!l.gone) {
                    out.add(new LeaseInfo(
                            l.id, l.role.engine(), l.role.role(), l.username, l.issuedAt, l.expiresAt, l.maxExpiresAt));
                }
            }
        }
        return out;
    }

    List<String> revokedIds() {
        return List.copyOf(revoked);
    }

    List<String> expiredIds() {
        return List.copyOf(expired);
    }

    private void checkLive(Lease l, Instant now) {
        if (!l.gone && !now.isBefore(l.expiresAt)) {
            expire(l, now);
        }
        if (l.gone) {
            throw ApiError.notFound("lease_not_found", "lease " + l.id + " is gone");
        }
    }

    private void expire(Lease l, Instant now) {
        try {
            end(l, now, "lease.expired", new SecretStore.Actor(Api.OPERATOR, null));
        } catch (RuntimeException e) {
            log.warn("lease {} expired but role {} could not be dropped", l.id, l.username, e);
            l.gone = true;
            live.remove(l.id);
        }
        expired.add(l.id);
    }

    private void end(Lease l, Instant now, String eventType, SecretStore.Actor actor) {
        l.gone = true;
        live.remove(l.id);
        l.role.backend().drop(l.username, l.role.config());
        log.debug("lease {} ended ({}), role {} dropped", l.id, eventType, l.username);
        events.publish(eventType, eventPath(l), actor.identityId(), actor.requestId(), eventData(l, now));
    }

    private Lease find(String id) {
        Lease l = live.get(id);
        if (l == null) {
            throw ApiError.notFound("lease_not_found", "no live lease " + id);
        }
        return l;
    }

    private static String username(String role) {
        String clean = role.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (clean.length() > 40) {
            clean = clean.substring(0, 40);
        }
        return "v_" + clean + '_' + Ids.lower(12);
    }

    private static String eventPath(Lease l) {
        return "dynamic/" + l.role.engine() + '/' + l.role.role();
    }

    private static ObjectNode eventData(Lease l, Instant now) {
        return Json.obj()
                .put("lease_id", l.id)
                .put("engine", l.role.engine())
                .put("role", l.role.role())
                .put("expires_at", Json.time(l.expiresAt))
                .put(
                        "lease_duration",
                        Math.max(0, Duration.between(now, l.expiresAt).toSeconds()));
    }

    private static ObjectNode toJson(Lease l, Instant now) {
        ObjectNode o = Json.obj();
        o.put("lease_id", l.id);
        o.put("engine", l.role.engine());
        o.put("role", l.role.role());
        o.put("lease_duration", Math.max(0, Duration.between(now, l.expiresAt).toSeconds()));
        o.put("renewable", l.role.config().renewable());
        o.put("issued_at", Json.time(l.renewedAt));
        o.put("expires_at", Json.time(l.expiresAt));
        o.put("max_expires_at", Json.time(l.maxExpiresAt));
        return o;
    }
}
