package dev.scaivault.dbcp2;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The driver a bound {@code BasicDataSource} gets through {@code setDriver}: DBCP2's connection factory calls
 * {@link #connect} for each physical connection, and this logs in through the rotation core instead, which
 * uses its own credentials (the user and password DBCP2 passes are those it copied when the pool started).
 * Never registered with {@code DriverManager}.
 */
final class LoginDriver implements Driver {
    private final DataSource logins;
    private final DriverLogins physical;
    private final AtomicLong tickets;
    private final LongSupplier retiredBelow;

    LoginDriver(DataSource logins, DriverLogins physical, AtomicLong tickets, LongSupplier retiredBelow) {
        this.logins = logins;
        this.physical = physical;
        this.tickets = tickets;
        this.retiredBelow = retiredBelow;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        // The pool's connection properties (sslmode, timeouts, ...) for the core's own logins to use as well.
        physical.poolProperties(info);
        // Taken before the login, so a retirement while it runs counts this connection as retired.
        long ticket = tickets.getAndIncrement();
        return new RetirableConnection(logins.getConnection(), ticket, retiredBelow);
    }

    @Override
    public boolean acceptsURL(String url) {
        return true;
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging logger");
    }

    @Override
    public String toString() {
        return "ScaiVaultLoginDriver";
    }
}
