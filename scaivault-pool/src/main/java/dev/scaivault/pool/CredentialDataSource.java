package dev.scaivault.pool;

import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that opens every connection on the current credentials of a {@link SecretSource}: for
 * a driver's own data source (PGSimpleDataSource, MysqlDataSource, ...) or anything else that supports {@code
 * getConnection(username, password)}. A connection that fails authentication (the database already has a new
 * password, the source does not yet) makes it ask the source to {@link SecretSource#refreshNow() refresh} and
 * retry within {@code authFailureBudget}. It never closes a connection it handed out: it hands the previous
 * credentials back to the source (which may revoke them) once every connection opened with them is closed, or
 * after {@code maxDrainTime} (default 30 minutes).
 *
 * <p>{@code getConnection(username, password)} ignores its arguments: every connection uses the source's
 * credentials, so that a pool put in front of this data source with a username of its own still rotates.
 * Closing stops following the source and hands back what it holds; the delegate and the source stay open.
 */
public final class CredentialDataSource extends ForwardingDataSource implements AutoCloseable {
    private final Logins logins;
    private final PoolBinding binding;

    private CredentialDataSource(Builder b) {
        super(b.delegate);
        this.logins = new Logins(b.delegate, b.name);
        this.binding = PoolBinding.builder(logins, b.source)
                .validateBeforeApply(b.validate)
                .maxDrainTime(b.maxDrainTime)
                .authFailureBudget(b.authFailureBudget)
                .listener(b.listener)
                .bind();
    }

    /** Wraps {@code delegate} with the defaults; see {@link #builder}. */
    public static CredentialDataSource wrap(DataSource delegate, SecretSource<Credentials> source) {
        return builder(delegate, source).build();
    }

    public static Builder builder(DataSource delegate, SecretSource<Credentials> source) {
        return new Builder(delegate, source);
    }

    /** The rotation counters, as for a pool; {@code connectionsOnPreviousCredentials} counts open connections. */
    public RotationMetrics metrics() {
        return binding.metrics();
    }

    @Override
    public void close() {
        binding.close();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return logins.through().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return logins.through().getConnection();
    }

    @Override
    public String toString() {
        // The delegate's own toString may print a URL with a password in it.
        return "CredentialDataSource{" + logins.name() + ", " + binding + '}';
    }

    /**
     * The wrapper as a pool without connections of its own: the core's login path is the whole of it, so
     * setting credentials is the core's own bookkeeping and there is nothing to retire.
     */
    private static final class Logins implements PoolAdapter {
        private final DataSource delegate;
        private final String name;
        private volatile DataSource through;

        Logins(DataSource delegate, String name) {
            this.delegate = delegate;
            this.name = name;
        }

        DataSource through() {
            return through;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "datasource";
        }

        @Override
        public String mechanism() {
            return "GET_CONNECTION_WITH_CREDENTIALS";
        }

        @Override
        public boolean started() {
            return false;
        }

        @Override
        public DataSource physical() {
            return delegate;
        }

        @Override
        public void install(DataSource logins) {
            through = logins;
        }

        @Override
        public void setCredentials(Credentials c) {
            // The core hands its current credentials to every login itself.
        }

        @Override
        public void retire() {
            // Connections handed out are the caller's to close.
        }

        @Override
        public int borrowed() {
            return -1;
        }
    }

    /** Configures and creates a {@link CredentialDataSource}. */
    public static final class Builder {
        private final DataSource delegate;
        private final SecretSource<Credentials> source;
        private String name;
        private boolean validate;
        private Duration maxDrainTime = Duration.ofMinutes(30);
        private Duration authFailureBudget = Duration.ofSeconds(5);
        private RotationListener listener = new RotationListener() {};

        private Builder(DataSource delegate, SecretSource<Credentials> source) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
            this.source = Objects.requireNonNull(source, "source");
            this.name = delegate.getClass().getSimpleName();
        }

        /** The name in logs and thread names' place (default: the delegate's simple class name); never a secret. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Before using new credentials, open one connection with them, retrying for up to 30 s while the
         * previous ones stay in use; off by default (it costs a login per rotation).
         */
        public Builder validateBeforeApply(boolean validate) {
            this.validate = validate;
            return this;
        }

        /**
         * The longest the previous credentials are held for connections still open with them (default 30
         * minutes); a caller that keeps a connection longer may see it revoked.
         */
        public Builder maxDrainTime(Duration maxDrainTime) {
            this.maxDrainTime = Objects.requireNonNull(maxDrainTime, "maxDrainTime");
            return this;
        }

        /**
         * How long one login that failed authentication may wait for the source to bring other credentials
         * (default 5 s; zero turns bridging off).
         */
        public Builder authFailureBudget(Duration budget) {
            this.authFailureBudget = Objects.requireNonNull(budget, "authFailureBudget");
            return this;
        }

        public Builder listener(RotationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Follows the source from now on.
         *
         * @throws dev.scaivault.SecretUnavailableException if the source has no value
         */
        public CredentialDataSource build() {
            return new CredentialDataSource(this);
        }
    }
}
