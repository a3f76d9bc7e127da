package dev.scaivault.testkit.leak;

import java.util.function.Consumer;

/**
 * Where the dev server reports what it hands out that must never be logged: the password of every dynamic
 * credential and every bearer token it issues. While {@link LeakCheck} is installed it registers each one,
 * so every test that runs against the dev server is checked for them without a {@code LeakCheck.secret}
 * call; without LeakCheck (a standalone server) nothing is kept. Has no dependency of its own, so the
 * server may call it whether or not logback and JUnit are on the class path.
 */
public final class IssuedSecrets {
    private static volatile Consumer<String> sink;

    private IssuedSecrets() {}

    /** Called by the dev server for each secret value it creates. */
    public static void issued(String value) {
        Consumer<String> s = sink;
        if (s != null) {
            s.accept(value);
        }
    }

    static void sink(Consumer<String> s) {
        sink = s;
    }
}
