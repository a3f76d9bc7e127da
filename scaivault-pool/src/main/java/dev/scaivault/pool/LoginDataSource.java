package dev.scaivault.pool;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * For pool adapters: a {@link DataSource} that only logs in, over whatever the pool itself logs in with (its
 * JDBC driver, a connection factory it creates by class name), so that the core can route the pool's logins
 * through it. No log writer, no login timeout of its own (the pool's URL and properties carry the driver's),
 * a wrapper for nothing but itself. A subclass writes the two {@code getConnection} methods and a {@code
 * toString()} that prints no URL (a URL may carry a password).
 */
public abstract class LoginDataSource implements DataSource {
    protected LoginDataSource() {}

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Drivers log through their own loggers.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // The pool's URL and properties carry the driver's timeouts.
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public abstract String toString();
}
