package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.source.Credentials;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts credentials into a pool by whatever the HikariCP on the class path offers. Looked up at run time so
 * one jar serves HikariCP 5.1 to 7.x: the class this module is compiled against is never the one deciding.
 */
abstract class CredentialApplier {
    static final String HIKARI_CREDENTIALS = "com.zaxxer.hikari.util.Credentials";
    static final String HIKARI_PROVIDER = "com.zaxxer.hikari.HikariCredentialsProvider";

    /** Sets {@code c} as the credentials of every physical connection the pool opens from now on. */
    abstract void apply(Credentials c);

    /** The mechanism, for logs and metrics. */
    abstract CredentialsMechanism mechanism();

    /**
     * The best mechanism for {@code ds}: a {@code HikariCredentialsProvider} when asked for, the pool has not
     * started and HikariCP is 7+; else the atomic {@code setCredentials} (6+); else username then password.
     */
    static CredentialApplier forPool(HikariDataSource ds, boolean preferProvider, boolean started) {
        ClassLoader cl = HikariConfig.class.getClassLoader();
        Class<?> hikariCredentials = load(HIKARI_CREDENTIALS, cl);
        if (hikariCredentials == null) {
            return new UsernamePassword(ds);
        }
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            MethodHandle of = lookup.findStatic(
                    hikariCredentials, "of", MethodType.methodType(hikariCredentials, String.class, String.class));
            Class<?> provider = load(HIKARI_PROVIDER, cl);
            if (preferProvider && !started && provider != null) {
                // setCredentialsProvider(instance), never setCredentialsProviderClassName: that one stores the
                // name in the wrong field in 7.0.2/7.1.0.
                MethodHandle set = lookup.findVirtual(
                        HikariConfig.class, "setCredentialsProvider", MethodType.methodType(void.class, provider));
                return new Provider(ds, of, set, provider);
            }
            MethodHandle set = lookup.findVirtual(
                    HikariConfig.class, "setCredentials", MethodType.methodType(void.class, hikariCredentials));
            return new SetCredentials(ds, of, set);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            // A HikariCP with the Credentials class but not the setter would be a build we do not know.
            return new UsernamePassword(ds);
        }
    }

    private static Class<?> load(String name, ClassLoader cl) {
        try {
            return Class.forName(name, false, cl);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("HikariCP rejected the credentials update: " + t.getClass(), t);
    }

    /** HikariCP 5.x: two setters, so the pool could read a new username with an old password in between. */
    private static final class UsernamePassword extends CredentialApplier {
        private final HikariDataSource ds;

        UsernamePassword(HikariDataSource ds) {
            this.ds = ds;
        }

        @Override
        void apply(Credentials c) {
            ds.setUsername(c.username());
            ds.setPassword(c.password());
        }

        @Override
        CredentialsMechanism mechanism() {
            return CredentialsMechanism.USERNAME_AND_PASSWORD;
        }
    }

    /** HikariCP 6+: {@code setCredentials(Credentials)} swaps both in one atomic reference. */
    private static final class SetCredentials extends CredentialApplier {
        private final HikariDataSource ds;
        private final MethodHandle of;
        private final MethodHandle set;

        SetCredentials(HikariDataSource ds, MethodHandle of, MethodHandle set) {
            this.ds = ds;
            this.of = of;
            this.set = set;
        }

        @Override
        void apply(Credentials c) {
            try {
                set.invoke((HikariConfig) ds, of.invoke(c.username(), c.password()));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        CredentialsMechanism mechanism() {
            return CredentialsMechanism.SET_CREDENTIALS;
        }
    }

    /**
     * HikariCP 7+, installed before the pool starts: the pool asks it for every new physical connection,
     * and from then on ignores every credential setter, so the configuration's username is kept in step
     * only for people reading it.
     */
    private static final class Provider extends CredentialApplier {
        private final HikariDataSource ds;
        private final MethodHandle of;
        private final AtomicReference<Object> current = new AtomicReference<>();

        Provider(HikariDataSource ds, MethodHandle of, MethodHandle set, Class<?> providerType) {
            this.ds = ds;
            this.of = of;
            Object provider = Proxy.newProxyInstance(
                    providerType.getClassLoader(), new Class<?>[] {providerType}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "getCredentials":
                                return current.get();
                            case "toString":
                                return "ScaiVaultCredentialsProvider";
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    });
            try {
                set.invoke((HikariConfig) ds, provider);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        void apply(Credentials c) {
            try {
                current.set(of.invoke(c.username(), c.password()));
            } catch (Throwable t) {
                throw rethrow(t);
            }
            ds.setUsername(c.username());
        }

        @Override
        CredentialsMechanism mechanism() {
            return CredentialsMechanism.CREDENTIALS_PROVIDER;
        }
    }
}
