/**
 * The limits a scenario (and the CLI) is held to, each with its reason; docs/limits.md
 * states them for users. They are checked at validation, so a run that starts can finish.
 */

/** Horizon used when a scenario sets none and its applications never all finish. */
export const DAY_US = 86_400_000_000;

/**
 * Virtual time is an integer number of microseconds held in a JavaScript number (a double),
 * exact up to 2^53 µs ≈ 285.4 years; above it t + 1 == t and time would freeze.
 */
export const EXACT_US = 2 ** 53;

/**
 * The longest duration anywhere (a delay, an instant, the horizon): 100 years. Any event is
 * scheduled at most two such durations after t = 0 (an instant shifted by a stagger, or a
 * delay after an instant within the horizon), which stays below EXACT_US.
 */
export const MAX_DURATION_US = 100 * 365.25 * 86_400_000_000;
export const MAX_DURATION_TEXT = '100 years';

/**
 * Programs that open a connection from one host to one destination address and port: Linux
 * hands out ephemeral source ports from net.ipv4.ip_local_port_range, 32768..60999 by default
 * (28,232 ports, Documentation/networking/ip-sysctl.rst), unique per 4-tuple
 * (__inet_hash_connect, net/ipv4/inet_hashtables.c).
 */
export const EPHEMERAL_PORTS = 60_999 - 32_768 + 1;

/** Hosts in one scenario: automatic addresses are 10.0.0.1 .. 10.0.0.254 (one /24). */
export const MAX_HOSTS = 254;
