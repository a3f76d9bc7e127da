package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.pool.RotationMetrics;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.util.Objects;

/**
 * Keeps a {@link HikariDataSource} on the credentials of a {@link SecretSource}, live and without failed
 * queries. On each change: optionally validate the new credentials with one direct connection (the pool
 * keeps the old ones meanwhile), set them on the pool, THEN soft-evict its connections (the reverse order
 * lets the pool refill with the old credentials), wait until no physical connection uses the previous
 * credentials (bounded by {@code maxDrainTime}) and only then hand the previous value back to the source,
 * which may revoke it. Changes are applied one at a time; a newer change supersedes one still being
 * validated.
 *
 * <p>Bind before the pool starts (a {@code new HikariDataSource()} configured by setters starts at its
 * first {@code getConnection()}; Spring Boot's does): the binding sets the first credentials, and puts
 * itself between the pool and its driver or data source, which is what lets it see every new physical
 * connection, track which credentials each uses, and bridge an authentication failure (the database
 * already has a new password, the source does not yet) by asking the source to {@link
 * SecretSource#refreshNow() refresh} and retrying within {@code authFailureBudget}. Bound to a pool that
 * already runs, it still rotates, but can neither bridge nor see physical connections, so its hand-off
 * waits until the pool has no connection in use (or {@code maxDrainTime}).
 *
 * <p>Bound before the pool started, the binding also opens the pool's first connection with new
 * credentials itself, right after setting them, evicts once that login is done (waiting 100 ms at most, and
 * at most a tenth of the life the previous credentials have left), and hands the connection to the pool's
 * next new connection: so that login neither runs while the database ends the evicted sessions (which made
 * it 1.5 times slower in the rotation demo) nor waits for a borrower to give back an evicted connection and
 * for HikariCP's add-connection path to come round to it. Until the pool takes it (normally within the
 * longest hold of a borrowed connection; it is closed if not taken within {@code maxDrainTime}, at most 5 s)
 * the database sees one connection more than the pool's maximum.
 *
 * <p>The rotation itself is the shared core of every pool adapter ({@link PoolBinding}); {@code
 * PoolBinding.bind(hikariDataSource, source)} does the same as this class, without the credentials-provider
 * option. Closing the binding stops it following the source and hands back whatever it still holds; it closes
 * neither the pool nor the source.
 */
public final class HikariCredentialBinding implements AutoCloseable {
    private final HikariPoolAdapter adapter;
    private final String sourceName;
    private final PoolBinding binding;

    private HikariCredentialBinding(Builder b) {
        this.adapter = b.adapter;
        this.sourceName = b.sourceName;
        adapter.preferProvider(b.preferProvider);
        this.binding = b.binding.bind();
    }

    /** Binds {@code pool} to {@code source} with the defaults; see {@link #builder}. */
    public static HikariCredentialBinding bind(HikariDataSource pool, SecretSource<Credentials> source) {
        return builder(pool, source).bind();
    }

    /**
     * A builder for {@code pool}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public static Builder builder(HikariDataSource pool, SecretSource<Credentials> source) {
        return new Builder(pool, source);
    }

    /** How this binding sets credentials on the pool (depends on the HikariCP version at run time). */
    public CredentialsMechanism mechanism() {
        return adapter.applier().mechanism();
    }

    public RotationMetrics metrics() {
        return binding.metrics();
    }

    @Override
    public void close() {
        binding.close();
    }

    @Override
    public String toString() {
        return "HikariCredentialBinding{pool=" + adapter.name() + ", source=" + sourceName + ", mechanism="
                + mechanism() + '}';
    }

    /** Configures and creates a {@link HikariCredentialBinding}. */
    public static final class Builder {
        private final HikariPoolAdapter adapter;
        private final String sourceName;
        private final PoolBinding.Builder binding;
        private boolean preferProvider;

        private Builder(HikariDataSource pool, SecretSource<Credentials> source) {
            this.adapter = new HikariPoolAdapter(Objects.requireNonNull(pool, "pool"));
            this.sourceName = Objects.requireNonNull(source, "source").name();
            this.binding = PoolBinding.builder(adapter, source);
        }

        /**
         * Before applying new credentials, open one direct connection with them (retrying with backoff for
         * up to {@link #validationTimeout}, the pool keeping its current credentials meanwhile). Off by
         * default: it costs one login per rotation and only helps when a source can be ahead of the
         * database.
         */
        public Builder validateBeforeApply(boolean validate) {
            binding.validateBeforeApply(validate);
            return this;
        }

        /** How long validation retries before applying the new credentials anyway (default 30 s). */
        public Builder validationTimeout(Duration timeout) {
            binding.validationTimeout(timeout);
            return this;
        }

        /**
         * The longest the binding holds the previous value for connections still using it (default: the
         * pool's {@code maxLifetime}, after which HikariCP closes them by itself).
         */
        public Builder maxDrainTime(Duration maxDrainTime) {
            binding.maxDrainTime(maxDrainTime);
            return this;
        }

        /**
         * How long one new physical connection that failed authentication may wait for the source to bring
         * other credentials (default 5 s; zero turns bridging off). Keep it under the pool's {@code
         * connectionTimeout}, or a caller waiting for that connection times out first.
         */
        public Builder authFailureBudget(Duration budget) {
            binding.authFailureBudget(budget);
            return this;
        }

        public Builder listener(RotationListener listener) {
            binding.listener(listener);
            return this;
        }

        /**
         * On HikariCP 7+ with a pool that has not started, install a {@code HikariCredentialsProvider}
         * instead of using the credential setters. Off by default: once installed, the pool ignores every
         * credential setter, including any a user calls later. Falls back to the setters elsewhere.
         */
        public Builder preferCredentialsProvider(boolean prefer) {
            this.preferProvider = prefer;
            return this;
        }

        /**
         * Sets the source's current credentials on the pool if it has not started, and follows the source
         * from now on.
         *
         * @throws SecretUnavailableException if the source has no value (no pool starts on no credentials)
         * @throws IllegalStateException if the pool is already bound
         */
        public HikariCredentialBinding bind() {
            return new HikariCredentialBinding(this);
        }
    }
}
