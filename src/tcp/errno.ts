/** errno names the socket API reports, with Linux numbers (include/uapi/asm-generic/errno*.h). */
export const ERRNO = {
  EPERM: 1,
  EBADF: 9,
  EAGAIN: 11,
  EINVAL: 22,
  EPIPE: 32,
  ENOPROTOOPT: 92,
  EADDRINUSE: 98,
  ENETUNREACH: 101,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
} as const;

export type Errno = keyof typeof ERRNO;

/** Human text as strerror(3) prints it. */
export const STRERROR: Record<Errno, string> = {
  EPERM: 'Operation not permitted',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  EINVAL: 'Invalid argument',
  EPIPE: 'Broken pipe',
  ENOPROTOOPT: 'Protocol not available',
  EADDRINUSE: 'Address already in use',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTDOWN: 'Host is down',
  EHOSTUNREACH: 'No route to host',
};
