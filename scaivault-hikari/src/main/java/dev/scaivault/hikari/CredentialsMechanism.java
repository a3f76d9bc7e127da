package dev.scaivault.hikari;

/** How a binding puts credentials into its pool; which one depends on the HikariCP version at run time. */
public enum CredentialsMechanism {
    /** HikariCP 5.x: {@code setUsername} then {@code setPassword}. */
    USERNAME_AND_PASSWORD,
    /** HikariCP 6+: the atomic {@code setCredentials(Credentials)}. */
    SET_CREDENTIALS,
    /** HikariCP 7+, pool not started yet, when asked for: a {@code HikariCredentialsProvider}. */
    CREDENTIALS_PROVIDER
}
