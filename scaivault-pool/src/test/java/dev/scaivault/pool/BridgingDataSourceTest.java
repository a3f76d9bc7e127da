package dev.scaivault.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.source.Credentials;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class BridgingDataSourceTest {
    static final Credentials OLD = Credentials.of("app", "old-pw", "v1");
    static final Credentials NEW = Credentials.of("app", "new-pw", "v2");

    @Test
    void opensWithTheBindingsCredentialsNotThePoolsAndRegistersTheConnection() throws SQLException {
        var db = new FakeDb(pw -> pw.equals("old-pw"));
        var host = new FakeHost(OLD);
        var ds = new BridgingDataSource(db, host);

        Connection c = ds.getConnection("app", "stale-pool-copy");

        assertThat(db.logins).containsExactly("old-pw");
        assertThat(host.opened).containsExactly(OLD);
        assertThat(c.isClosed()).isFalse();
    }

    @Test
    void anAuthenticationFailureIsRetriedWithWhatTheBridgeBrings() throws SQLException {
        var db = new FakeDb(pw -> pw.equals("new-pw"));
        var host = new FakeHost(OLD);
        host.bridgeTo = NEW;
        var ds = new BridgingDataSource(db, host);

        ds.getConnection();

        assertThat(db.logins).containsExactly("old-pw", "new-pw");
        assertThat(host.bridged).isEqualTo(1);
        assertThat(host.opened).containsExactly(NEW);
    }

    @Test
    void whenTheBridgeBringsNothingThePoolGetsTheOriginalFailure() {
        var db = new FakeDb(pw -> false);
        var host = new FakeHost(OLD);
        var ds = new BridgingDataSource(db, host);

        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
        assertThat(host.opened).isEmpty();
    }

    @Test
    void aConnectionOpenedAcrossARotationIsClosedAndReopenedWithTheNewCredentials() throws SQLException {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(OLD);
        db.onLogin = () -> host.applied = NEW; // the rotation lands while the login is under way
        var ds = new BridgingDataSource(db, host);

        Connection c = ds.getConnection();

        assertThat(db.logins).containsExactly("old-pw", "new-pw");
        assertThat(db.connections.get(0).isClosed()).isTrue();
        assertThat(c.isClosed()).isFalse();
        assertThat(host.openingNow).isZero();
    }

    @Test
    void detachedItPassesStraightThrough() throws SQLException {
        var db = new FakeDb(pw -> pw.equals("pool-pw"));
        var host = new FakeHost(OLD);
        var ds = new BridgingDataSource(db, host);
        ds.detach();

        ds.getConnection("app", "pool-pw");

        assertThat(db.logins).containsExactly("pool-pw");
        assertThat(host.opened).isEmpty();
        assertThat(ds.toString()).doesNotContain("pw").contains(FakeDb.class.getName());
    }

    @Test
    void aConnectionOpenedAheadIsThePoolsNextOneAndIsRegisteredOnlyWhenThePoolTakesIt() throws SQLException {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(NEW);
        var ds = new BridgingDataSource(db, host);

        BridgingDataSource.Ready ahead = ds.preopen(NEW, Runnable::run);
        assertThat(host.opened).isEmpty();
        Connection first = ds.getConnection();
        Connection second = ds.getConnection();

        assertThat(first).isSameAs(ahead.connection.join());
        assertThat(db.logins).containsExactly("new-pw", "new-pw");
        assertThat(second).isNotSameAs(first);
        assertThat(host.opened).containsExactly(NEW, NEW);
        assertThat(host.openingNow).isZero();
    }

    @Test
    void aConnectionOpenedAheadWithOtherCredentialsIsNeverHandedOutAndIsClosedWhenDiscarded() throws SQLException {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(OLD);
        var ds = new BridgingDataSource(db, host);

        BridgingDataSource.Ready ahead = ds.preopen(NEW, Runnable::run);
        ds.discardUnless(NEW);
        assertThat(ahead.connection.join().isClosed()).isFalse();
        Connection c = ds.getConnection();
        ds.discardUnless(OLD);

        assertThat(c).isNotSameAs(ahead.connection.join());
        assertThat(db.logins).containsExactly("new-pw", "old-pw");
        assertThat(ahead.connection.join().isClosed()).isTrue();
    }

    @Test
    void aConnectionOpenedAheadIsClosedWhenReplacedDiscardedOrDetachedButNotOnceTaken() throws SQLException {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(NEW);
        var ds = new BridgingDataSource(db, host);

        BridgingDataSource.Ready replaced = ds.preopen(NEW, Runnable::run);
        BridgingDataSource.Ready discarded = ds.preopen(NEW, Runnable::run);
        assertThat(replaced.connection.join().isClosed()).isTrue();
        ds.discard(discarded);
        assertThat(discarded.connection.join().isClosed()).isTrue();

        BridgingDataSource.Ready taken = ds.preopen(NEW, Runnable::run);
        assertThat(ds.getConnection()).isSameAs(taken.connection.join());
        ds.discard(taken);
        assertThat(taken.connection.join().isClosed()).isFalse();

        BridgingDataSource.Ready detached = ds.preopen(NEW, Runnable::run);
        ds.detach();
        assertThat(detached.connection.join().isClosed()).isTrue();
    }

    @Test
    void aConnectionOpenedAheadThatWasClosedMeanwhileIsSkipped() throws SQLException {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(NEW);
        var ds = new BridgingDataSource(db, host);

        BridgingDataSource.Ready ahead = ds.preopen(NEW, Runnable::run);
        ahead.connection.join().close();
        Connection c = ds.getConnection();

        assertThat(c).isNotSameAs(ahead.connection.join());
        assertThat(c.isClosed()).isFalse();
        assertThat(db.logins).containsExactly("new-pw", "new-pw");
    }

    @Test
    void thePoolWaitsForALoginAheadStillUnderWayRatherThanLoggingInAgain() throws Exception {
        var db = new FakeDb(pw -> true);
        var host = new FakeHost(NEW);
        var ds = new BridgingDataSource(db, host);
        var pending = new java.util.concurrent.CompletableFuture<Runnable>();

        BridgingDataSource.Ready ahead = ds.preopen(NEW, pending::complete);
        var taken = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return ds.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        pending.get(5, java.util.concurrent.TimeUnit.SECONDS).run();

        assertThat(taken.get(5, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(ahead.connection.join());
        assertThat(db.logins).containsExactly("new-pw");
    }

    @Test
    void whenTheLoginAheadFailsThePoolLogsInItselfAndBridgesAsUsual() throws SQLException {
        var db = new FakeDb(pw -> pw.equals("new-pw"));
        var host = new FakeHost(OLD);
        host.bridgeTo = NEW;
        var ds = new BridgingDataSource(db, host);

        BridgingDataSource.Ready ahead = ds.preopen(OLD, Runnable::run);
        Connection c = ds.getConnection();

        assertThat(ahead.connection).isCompletedExceptionally();
        assertThat(db.logins).containsExactly("old-pw", "old-pw", "new-pw");
        assertThat(host.bridged).isEqualTo(1);
        assertThat(host.opened).containsExactly(NEW);
        assertThat(c.isClosed()).isFalse();
    }

    static final class FakeHost implements BridgingDataSource.Host {
        volatile Credentials applied;
        Credentials bridgeTo;
        int bridged;
        int openingNow;
        final List<Credentials> opened = new ArrayList<>();

        FakeHost(Credentials applied) {
            this.applied = applied;
        }

        @Override
        public Credentials credentialsFor(String poolUsername, String poolPassword) {
            return applied;
        }

        @Override
        public boolean stale(Credentials used) {
            // As the binding: retired means neither applied nor the source's newest (which bridging uses).
            return !used.sameSecretAs(applied) && (bridgeTo == null || !used.sameSecretAs(bridgeTo));
        }

        @Override
        public Credentials bridge(Credentials failed, SQLException failure, long deadlineNanos) {
            if (AuthFailures.find(failure).isEmpty() || bridgeTo == null || bridgeTo.sameSecretAs(failed)) {
                return null;
            }
            bridged++;
            return bridgeTo;
        }

        @Override
        public long authFailureBudgetNanos() {
            return 1_000_000_000L;
        }

        @Override
        public void opening(Credentials use) {
            openingNow++;
        }

        @Override
        public void openingDone(Credentials use) {
            openingNow--;
        }

        @Override
        public void opened(Connection c, Credentials used) {
            opened.add(used);
        }
    }

    /** A database that accepts the passwords {@code accepts} says yes to. */
    static final class FakeDb implements DataSource {
        final Function<String, Boolean> accepts;
        final List<String> logins = new ArrayList<>();
        final List<Connection> connections = new ArrayList<>();
        Runnable onLogin = () -> {};

        FakeDb(Function<String, Boolean> accepts) {
            this.accepts = accepts;
        }

        @Override
        public Connection getConnection() throws SQLException {
            throw new SQLException("no credentials", "28000");
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            logins.add(password);
            Runnable hook = onLogin;
            onLogin = () -> {};
            hook.run();
            if (!accepts.apply(password)) {
                throw new SQLException("password authentication failed for user \"" + username + "\"", "28P01");
            }
            Connection c = fakeConnection();
            connections.add(c);
            return c;
        }

        private static Connection fakeConnection() {
            AtomicBoolean closed = new AtomicBoolean();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, a) -> {
                        switch (m.getName()) {
                            case "close":
                                closed.set(true);
                                return null;
                            case "isClosed":
                                return closed.get();
                            case "hashCode":
                                return System.identityHashCode(p);
                            case "equals":
                                return p == a[0];
                            case "toString":
                                return "FakeConnection";
                            default:
                                throw new UnsupportedOperationException(m.getName());
                        }
                    });
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
