package dev.scaivault.pool;

import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.util.Optional;

/**
 * Recognizes "the database refused these credentials" across drivers, so only that failure (not a network
 * error or a full server) makes the binding ask its source for fresher credentials.
 */
final class AuthFailures {
    // SQL standard class 28 "invalid authorization specification"; PostgreSQL uses 28P01 for a wrong
    // password and 28000 for a role that does not exist or may not log in.
    private static final String PG_WRONG_PASSWORD = "28P01";
    private static final String INVALID_AUTHORIZATION = "28000";
    private static final int MYSQL_ACCESS_DENIED = 1045;
    private static final int ORACLE_INVALID_LOGON = 1017;
    private static final int SQLSERVER_LOGIN_FAILED = 18456;
    private static final int MAX_CHAIN = 16;

    private AuthFailures() {}

    /** The authentication failure inside {@code e} (its chain of next exceptions and causes), if any. */
    static Optional<SQLException> find(Throwable e) {
        Throwable t = e;
        for (int i = 0; t != null && i < MAX_CHAIN; i++) {
            if (t instanceof SQLException s) {
                if (isAuthFailure(s)) {
                    return Optional.of(s);
                }
                t = s.getNextException() != null ? s.getNextException() : s.getCause();
            } else {
                t = t.getCause();
            }
        }
        return Optional.empty();
    }

    private static boolean isAuthFailure(SQLException s) {
        if (s instanceof SQLInvalidAuthorizationSpecException) {
            return true;
        }
        String state = s.getSQLState();
        if (PG_WRONG_PASSWORD.equals(state) || INVALID_AUTHORIZATION.equals(state)) {
            return true;
        }
        int code = s.getErrorCode();
        return code == MYSQL_ACCESS_DENIED || code == ORACLE_INVALID_LOGON || code == SQLSERVER_LOGIN_FAILED;
    }

    /** SQLState and vendor code, safe to log: drivers' messages are not promised to be free of secrets. */
    static String describe(SQLException s) {
        return "SQLState " + s.getSQLState() + ", vendor code " + s.getErrorCode();
    }
}
