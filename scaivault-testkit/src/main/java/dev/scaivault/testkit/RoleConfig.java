package dev.scaivault.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a dynamic role issues credentials: lease lifetimes and, for the PostgreSQL engine, the SQL that
 * creates and drops the per-lease database role. Statement templates may use {@code {{name}}}, {@code
 * {{password}}}, {@code {{expiration}}} (an ISO-8601 instant, for {@code VALID UNTIL}) and {@code
 * {{database}}} (from the engine's JDBC URL). Immutable.
 */
public final class RoleConfig {
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

    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final boolean renewable;
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
        this.creation = List.copyOf(b.creation);
        this.grants = List.copyOf(b.grants);
        this.renewal = List.copyOf(b.renewal);
        this.revocation = List.copyOf(b.revocation);
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
        return "RoleConfig[defaultTtl=" + defaultTtl + ", maxTtl=" + maxTtl + ", renewable=" + renewable + ']';
    }

    public static final class Builder {
        private Duration defaultTtl = Duration.ofHours(1);
        private Duration maxTtl = Duration.ofHours(24);
        private boolean renewable = true;
        private List<String> creation = DEFAULT_CREATION;
        private List<String> grants = DEFAULT_GRANTS;
        private List<String> renewal = DEFAULT_RENEWAL;
        private List<String> revocation = DEFAULT_REVOCATION;

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

        /** Replaces the {@code CREATE ROLE} statement(s); the grants run after them. */
        public Builder creationStatements(String... sql) {
            this.creation = List.of(sql);
            return this;
        }

        /** Replaces the default grants (connect to the database, use schema {@code public}). */
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
