package dev.scaivault.lease;

import dev.scaivault.Checks;
import dev.scaivault.DynamicSecrets;
import dev.scaivault.ScaiVault;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Database credentials from a ScaiVault dynamic secrets engine, kept valid for as long as the source is
 * open: the lease is renewed in the background, replaced by a successor well before it can no longer be
 * extended, and every lease is revoked once its consumers have let go of it.
 *
 * <pre>{@code
 * SecretSource<Credentials> db = LeaseSource.builder(vault, "postgres", "billing-app").build();
 * }</pre>
 *
 * <p>The schedule, per lease of original duration {@code D} (the life granted at generate):
 *
 * <ul>
 *   <li>renew after {@code 2/3 * remaining + 1/3 * grace}, {@code grace} a random 10-20 % of the lease, and
 *       never later than the rotate point {@code expiry - rotateThreshold * D};
 *   <li>on a renewal error retry with the library's {@link dev.scaivault.Backoff} (from a 40th of the lease
 *       to a quarter of it), each wait at most half of the remaining life and never past the rotate point;
 *   <li>acquire the successor at once when a renewal no longer extends the lease (max TTL) or the lease is
 *       gone (404), and at the rotate point otherwise (non-renewable leases, failing renewals);
 *   <li>publish the successor, then revoke the predecessor when every consumer has handed it off, or at its
 *       expiry at the latest.
 * </ul>
 *
 * <p>{@code current()} never waits on the network. A published value's {@link Credentials#expiresAt()} is
 * the expiry at generate; {@code status()} reports the live expiry of the lease in force. {@code
 * refreshNow()} checks the lease with ScaiVault and acquires a successor when it is gone, or when ScaiVault
 * still holds it yet a consumer asks (the database refused it: at most one such successor per 10 s). See
 * {@code docs/leases.md}.
 */
public final class LeaseSource {
    private LeaseSource() {}

    /**
     * Starts configuring the credentials of {@code role} of the dynamic secrets engine {@code engine}, from
     * {@code vault}, on the vault's {@link Time}.
     */
    public static Builder builder(ScaiVault vault, String engine, String role) {
        Checks.notNull(vault, "vault");
        return new Builder(vault.dynamic(), vault.time(), engine, role);
    }

    /**
     * As {@link #builder(ScaiVault, String, String)}, with a {@link DynamicSecrets} of your own (a decorator
     * that observes or limits the calls, a fake in tests) on {@code time}.
     */
    public static Builder builder(DynamicSecrets api, Time time, String engine, String role) {
        return new Builder(api, time, engine, role);
    }

    /** Configures a lease source; every setting has a default. */
    public static final class Builder {
        final DynamicSecrets api;
        final String engine;
        final String role;
        final Time time;
        Duration ttl;
        Duration increment;
        double rotateThreshold = 0.20;
        Duration maxHandOffWait;
        Duration closeTimeout = Duration.ofSeconds(10);
        LeaseListener listener = new LeaseListener() {};
        boolean startWithoutValue;
        RandomGenerator random = new Random();

        private Builder(DynamicSecrets api, Time time, String engine, String role) {
            this.api = Checks.notNull(api, "api");
            this.time = Checks.notNull(time, "time");
            this.engine = Checks.requireName(engine, "engine");
            this.role = Checks.requireName(role, "role");
        }

        /** The life to ask for at generate (default: the engine's default TTL). */
        public Builder ttl(Duration ttl) {
            this.ttl = Checks.positive(ttl, "ttl");
            return this;
        }

        /** The life to ask for at each renewal (default: the lease's original duration). */
        public Builder increment(Duration increment) {
            this.increment = Checks.positive(increment, "increment");
            return this;
        }

        /**
         * When the remaining life falls below this fraction of the lease's original duration, the successor is
         * acquired (default 0.20). Larger values give consumers more overlap to drain the old credentials.
         */
        public Builder rotateThreshold(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException(
                        "rotateThreshold must be a fraction between 0 and 1 (exclusive), not " + fraction);
            }
            this.rotateThreshold = fraction;
            return this;
        }

        /**
         * The longest a predecessor waits for its consumers' hand-off before it is revoked anyway (default:
         * until the predecessor's own expiry: revocation ends the role's sessions, so an early revoke would cut
         * off a long transaction still running on the old credentials).
         */
        public Builder maxHandOffWait(Duration maxHandOffWait) {
            this.maxHandOffWait = Checks.notNegative(maxHandOffWait, "maxHandOffWait");
            return this;
        }

        /** How long {@code close()} waits for the revocations (default 10 s). */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Checks.positive(closeTimeout, "closeTimeout");
            return this;
        }

        /** Receives lease lifecycle events (metrics, health). */
        public Builder listener(LeaseListener listener) {
            this.listener = Checks.notNull(listener, "listener");
            return this;
        }

        /**
         * Lets {@link #build()} return a source without a value when the first lease cannot be generated (it
         * keeps trying in the background; {@code current()} throws until then). Default: fail closed.
         */
        public Builder startWithoutValue() {
            this.startWithoutValue = true;
            return this;
        }

        /** The jitter's randomness; a seeded one makes a schedule reproducible (tests). */
        Builder random(RandomGenerator random) {
            this.random = Checks.notNull(random, "random");
            return this;
        }

        /**
         * Generates the first lease on the calling thread and starts keeping it alive.
         *
         * @throws SecretUnavailableException naming the engine, role, the server's code and request id, when
         *     the first lease cannot be generated (unless {@link #startWithoutValue()})
         */
        public SecretSource<Credentials> build() {
            LeaseKeeper s = new LeaseKeeper(this, api);
            s.start(startWithoutValue);
            return s;
        }
    }
}
