package dev.scaivault.testkit;

import java.security.SecureRandom;

final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] LOWER = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {}

    static String hex(int chars) {
        return pick(HEX, chars);
    }

    static String alnum(int chars) {
        return pick(ALNUM, chars);
    }

    static String lower(int chars) {
        return pick(LOWER, chars);
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String pick(char[] alphabet, int chars) {
        char[] out = new char[chars];
        for (int i = 0; i < chars; i++) {
            out[i] = alphabet[RANDOM.nextInt(alphabet.length)];
        }
        return new String(out);
    }
}
