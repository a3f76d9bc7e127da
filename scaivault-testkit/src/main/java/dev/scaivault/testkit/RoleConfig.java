package dev.scaivault.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a dynamic role issues credentials: lease lifetimes and, for the PostgreSQL engine, the SQL that
 * creates, renews and drops the per-lease database role, as a real dynamic database engine's role
 * definition does. Statement templates may use {@code {{name}}}, {@code {{password}}}, {@code
 * {{expiration}}} (an ISO-8601 instant, for {@code VALID UNTIL}), {@code {{database}}} (from the engine's
 * JDBC URL) and {@code {{owner}}} (the {@linkplain Builder#owner(String) owner role}, if any). Immutable.
 *
 * <p>Every lease is a new database role, so whatever a leased role creates would belong to a role that is
 * gone at the next lease. {@link Builder#owner(String)} is the pattern that makes an application's own
 * schema work under role churn: see docs/testkit.md, "Who owns the application's tables".
 */
public final class RoleConfig {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    public static final List<String> DEFAULT_CREATION =
            List.of("CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'");
    public static final List<String> DEFAULT_GRANTS = List.of(
            "GRANT CONNECT ON DATABASE \"{{database}}\" TO \"{{name}}\"",
            "GRANT USAGE ON SCHEMA public TO \"{{name}}\"");
    public static final List<String> DEFAULT_RENEWAL = List.of("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}'");
    /** Run after the role's sessions were terminated (the engine always does that first). */
    public static final List<String> DEFAULT_REVOCATION = List.of(
            "REASSIGN OWNED BY \"{{name}}\" TO CURRENT_USER",
            "DROP OWNED BY \"{{name}}\"",
            "DROP ROLE IF EXISTS \"{{name}}\"");

    /**
     * With an {@linkplain Builder#owner(String) owner}, run once when the server starts: the owner role is
     * created if it is missing (a concurrent creation by another server is fine) and may connect and create
     * objects in schema {@code public}.
     */
    public static final List<String> OWNER_SETUP = List.of(
            "DO $$ BEGIN CREATE ROLE \"{{owner}}\" NOLOGIN; "
                    + "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
            "GRANT CONNECT, TEMPORARY ON DATABASE \"{{database}}\" TO \"{{owner}}\"",
            "GRANT USAGE, CREATE ON SCHEMA public TO \"{{owner}}\"");
    /**
     * With an owner: the leased role is a member of the owner and acts as it from login on ({@code SET ROLE}
     * through a per-role setting), so every object it creates belongs to the owner, never to the lease.
     */
    public static final List<String> OWNER_CREATION = List.of(
            "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE \"{{owner}}\"",
            "ALTER ROLE \"{{name}}\" SET role = '{{owner}}'");
    /** With an owner: anything the leased role still owns (it ran {@code SET ROLE NONE}) goes to the owner. */
    public static final List<String> OWNER_REVOCATION = List.of(
            "REASSIGN OWNED BY \"{{name}}\" TO \"{{owner}}\"",
            "DROP OWNED BY \"{{name}}\"",
            "DROP ROLE IF EXISTS \"{{name}}\"");

    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final boolean renewable;
    private final String owner;
    private final List<String> setup;
    private final List<String> creation;
    private final List<String> grants;
    private final List<String> renewal;
    private final List<String> revocation;

    private RoleConfig(Builder b) {
        this.defaultTtl = Objects.requireNonNull(b.defaultTtl, "defaultTtl");
        this.maxTtl = Objects.requireNonNull(b.maxTtl, "maxTtl");
        if (defaultTtl.isNegative() || defaultTtl.isZero() || defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException(
                    "defaultTtl must be positive and at most maxTtl: defaultTtl " + defaultTtl + ", maxTtl " + maxTtl);
        }
        this.renewable = b.renewable;
        this.owner = b.owner;
        boolean owned = owner != null;
        this.setup = List.copyOf(b.setup != null ? b.setup : owned ? OWNER_SETUP : List.of());
        this.creation = List.copyOf(b.creation != null ? b.creation : owned ? OWNER_CREATION : DEFAULT_CREATION);
        // The owner holds the database and schema privileges; its members inherit them.
        this.grants = List.copyOf(b.grants != null ? b.grants : owned ? List.of() : DEFAULT_GRANTS);
        this.renewal = List.copyOf(b.renewal != null ? b.renewal : DEFAULT_RENEWAL);
        this.revocation =
                List.copyOf(b.revocation != null ? b.revocation : owned ? OWNER_REVOCATION : DEFAULT_REVOCATION);
        for (List<String> statements : List.of(setup, creation, grants, renewal, revocation)) {
            if (!owned && statements.stream().anyMatch(t -> t.contains("{{owner}}"))) {
                throw new IllegalArgumentException("a statement uses {{owner}} but the role has no owner: " + this);
            }
        }
    }

    /** Default SQL, renewable, with these lifetimes. */
    public static RoleConfig of(Duration defaultTtl, Duration maxTtl) {
        return builder().defaultTtl(defaultTtl).maxTtl(maxTtl).build();
    }

    /** Defaults: 1 h / 24 h, renewable, the default SQL. */
    public static Builder builder() {
        return new Builder();
    }

    public Duration defaultTtl() {
        return defaultTtl;
    }

    public Duration maxTtl() {
        return maxTtl;
    }

    public boolean renewable() {
        return renewable;
    }

    /** The long-lived role that owns what leased roles create, if this role has one. */
    public Optional<String> owner() {
        return Optional.ofNullable(owner);
    }

    /** Statements run once when the server starts, before any lease (idempotent). */
    public List<String> setupStatements() {
        return setup;
    }

    public List<String> creationStatements() {
        return creation;
    }

    public List<String> grants() {
        return grants;
    }

    public List<String> renewalStatements() {
        return renewal;
    }

    public List<String> revocationStatements() {
        return revocation;
    }

    @Override
    public String toString() {
        return "RoleConfig[defaultTtl=" + defaultTtl + ", maxTtl=" + maxTtl + ", renewable=" + renewable
                + (owner == null ? "" : ", owner=" + owner) + ']';
    }

    public static final class Builder {
        private Duration defaultTtl = Duration.ofHours(1);
        private Duration maxTtl = Duration.ofHours(24);
        private boolean renewable = true;
        private String owner;
        // null: the default, which depends on whether there is an owner.
        private List<String> setup;
        private List<String> creation;
        private List<String> grants;
        private List<String> renewal;
        private List<String> revocation;

        private Builder() {}

        public Builder defaultTtl(Duration ttl) {
            this.defaultTtl = ttl;
            return this;
        }

        public Builder maxTtl(Duration ttl) {
            this.maxTtl = ttl;
            return this;
        }

        /** A non-renewable role answers renew with 400 {@code lease_not_renewable}. */
        public Builder renewable(boolean renewable) {
            this.renewable = renewable;
            return this;
        }

        /**
         * Leased roles become members of {@code role}, a long-lived {@code NOLOGIN} role, and act as it from
         * login on, so the tables an application's migrations create under one lease belong to {@code role}
         * and stay usable under every later lease; revocation hands anything left to {@code role}, never to
         * the admin. The defaults become {@link #OWNER_SETUP} (the server creates the owner if it is
         * missing), {@link #OWNER_CREATION}, no grants (the owner has them) and {@link #OWNER_REVOCATION};
         * statements set explicitly are kept, and may use {@code {{owner}}}.
         *
         * @param role a plain SQL identifier (letters, digits, {@code _}), used quoted
         */
        public Builder owner(String role) {
            Objects.requireNonNull(role, "owner");
            if (!IDENTIFIER.matcher(role).matches()) {
                throw new IllegalArgumentException(
                        "owner must be a plain SQL identifier (letters, digits, _; at most 63), got '" + role + "'");
            }
            this.owner = role;
            return this;
        }

        /** Statements run once when the server starts, before any lease; they must be idempotent. */
        public Builder setupStatements(String... sql) {
            this.setup = List.of(sql);
            return this;
        }

        /** Replaces the {@code CREATE ROLE} statement(s); the grants run after them. */
        public Builder creationStatements(String... sql) {
            this.creation = List.of(sql);
            return this;
        }

        /** Replaces the default grants (connect to the database, use schema {@code public}; none with an owner). */
        public Builder grants(String... sql) {
            this.grants = List.of(sql);
            return this;
        }

        public Builder renewalStatements(String... sql) {
            this.renewal = List.of(sql);
            return this;
        }

        /** Replaces what runs after the role's sessions were terminated. */
        public Builder revocationStatements(String... sql) {
            this.revocation = List.of(sql);
            return this;
        }

        public RoleConfig build() {
            return new RoleConfig(this);
        }
    }
}
