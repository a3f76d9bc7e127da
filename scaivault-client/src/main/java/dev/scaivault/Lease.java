package dev.scaivault;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A dynamic secret's lease, as ScaiVault last described it. Immutable. {@link #data()} holds the generated
 * credentials only on the answer to a generate call (renew and lookup answers carry none); {@link
 * #toString()} shows the key names, never the values.
 */
public final class Lease {
    private final String id;
    private final String engine;
    private final String role;
    private final Duration duration;
    private final boolean renewable;
    private final Instant issuedAt;
    private final Instant expiresAt;
    private final Instant maxExpiresAt;
    private final Map<String, String> data;

    private Lease(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.engine = b.engine;
        this.role = b.role;
        this.duration = Objects.requireNonNull(b.duration, "duration");
        this.renewable = b.renewable;
        this.issuedAt = Objects.requireNonNull(b.issuedAt, "issuedAt");
        this.expiresAt = Objects.requireNonNull(b.expiresAt, "expiresAt");
        this.maxExpiresAt = b.maxExpiresAt;
        this.data = Map.copyOf(b.data);
    }

    /** A builder, for tests and for your own {@link DynamicSecrets} implementation. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this lease. */
    public Builder toBuilder() {
        return new Builder()
                .id(id)
                .engine(engine)
                .role(role)
                .duration(duration)
                .renewable(renewable)
                .issuedAt(issuedAt)
                .expiresAt(expiresAt)
                .maxExpiresAt(maxExpiresAt)
                .data(data);
    }

    /** {@code lease_...}; safe to log. */
    public String id() {
        return id;
    }

    /** The dynamic secrets engine that issued this lease, e.g. {@code postgres}. */
    public String engine() {
        return engine;
    }

    /** The engine role the credentials were generated for. */
    public String role() {
        return role;
    }

    /** The life the server granted with the last generate or renew call. */
    public Duration duration() {
        return duration;
    }

    /** Whether the server accepts a renewal of this lease. */
    public boolean renewable() {
        return renewable;
    }

    /** When this lease (or its last renewal) was granted. */
    public Instant issuedAt() {
        return issuedAt;
    }

    /** When the credentials stop working unless renewed. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** The hard end past which no renewal extends the lease, if the server says. */
    public Optional<Instant> maxExpiresAt() {
        return Optional.ofNullable(maxExpiresAt);
    }

    /** The generated secret (for a database: {@code username} and {@code password}); empty after renewals. */
    public Map<String, String> data() {
        return data;
    }

    /** Time left at {@code now}, never negative. */
    public Duration remainingAt(Instant now) {
        Duration d = Duration.between(now, expiresAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public String toString() {
        return "Lease{id=" + id + ", engine=" + engine + ", role=" + role + ", duration=" + duration
                + ", renewable=" + renewable + ", expiresAt=" + expiresAt
                + (maxExpiresAt != null ? ", maxExpiresAt=" + maxExpiresAt : "")
                + ", dataKeys=" + new java.util.TreeSet<>(data.keySet()) + '}';
    }

    /** Builds a {@link Lease}; used by the protocol layer and by tests. */
    public static final class Builder {
        private String id;
        private String engine;
        private String role;
        private Duration duration;
        private boolean renewable;
        private Instant issuedAt;
        private Instant expiresAt;
        private Instant maxExpiresAt;
        private Map<String, String> data = Map.of();

        private Builder() {}

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder engine(String engine) {
            this.engine = engine;
            return this;
        }

        public Builder role(String role) {
            this.role = role;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder renewable(boolean renewable) {
            this.renewable = renewable;
            return this;
        }

        public Builder issuedAt(Instant issuedAt) {
            this.issuedAt = issuedAt;
            return this;
        }

        public Builder expiresAt(Instant expiresAt) {
            this.expiresAt = expiresAt;
            return this;
        }

        public Builder maxExpiresAt(Instant maxExpiresAt) {
            this.maxExpiresAt = maxExpiresAt;
            return this;
        }

        public Builder data(Map<String, String> data) {
            this.data = Objects.requireNonNull(data, "data");
            return this;
        }

        public Lease build() {
            return new Lease(this);
        }
    }
}
