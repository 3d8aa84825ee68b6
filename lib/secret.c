/* secret.c: reading secrets from the terminal (echo off), standard input or a private file, and
 * wiping them (secret.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "error.h"
#include "secret.h"

void lyra_secret_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

int lyra_secret_interactive(void)
{
	return isatty(STDIN_FILENO);
}

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_tty(int sig)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from fd 0, byte by byte. Returns length, -1 at EOF before anything, -2 too long. */
static ssize_t read_line(char *buf, size_t n)
{
	size_t len = 0;
	int too_long = 0, got = 0;

	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got = 1;
		if (c == '\n')
			break;
		if (len + 1 < n)
			buf[len++] = c;
		else
			too_long = 1;
	}
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (too_long) {
		lyra_secret_wipe(buf, n);
		return -2;
	}
	if (!got)
		return -1;
	return (ssize_t)len;
}

int lyra_secret_read(const char *prompt, char *buf, size_t n)
{
	ssize_t len;

	if (!buf || n < 2)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot read a secret: no room");
	if (isatty(STDIN_FILENO)) {
		struct termios tio;
		struct sigaction sa, old_int, old_term;
		int tty = open("/dev/tty", O_WRONLY | O_CLOEXEC);
		if (tcgetattr(STDIN_FILENO, &saved_tio) != 0) {
			if (tty >= 0)
				close(tty);
			return lyra_error(LYRA_EX_IOERR, "cannot read from the terminal: %s", strerror(errno));
		}
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = restore_tty;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		tio = saved_tio;
		tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tio_saved = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
		if (tty >= 0 && prompt) {
			ssize_t w = write(tty, prompt, strlen(prompt));
			(void)w;
		}
		len = read_line(buf, n);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		tio_saved = 0;
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		if (tty >= 0) {
			ssize_t w = write(tty, "\n", 1);
			(void)w;
			close(tty);
		}
	} else {
		len = read_line(buf, n);
	}
	if (len == -1)
		return lyra_error(LYRA_EX_NOINPUT, "no secret given: end of input");
	if (len == -2)
		return lyra_error(LYRA_EX_DATAERR, "secret too long: more than %zu bytes", n - 1);
	return (int)len;
}

int lyra_secret_read_file(const char *path, char *buf, size_t n)
{
	struct stat sb;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return lyra_error(errno == ENOENT ? LYRA_EX_NOINPUT : LYRA_EX_CONFIG,
		                  "cannot open secret file '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return lyra_error(LYRA_EX_CONFIG, "secret file '%s' is not a regular file", path);
	}
	if (sb.st_mode & 077) {
		close(fd);
		return lyra_error(LYRA_EX_CONFIG,
		                  "secret file '%s' is open to other users (mode %04o): chmod 600 it",
		                  path, (unsigned)(sb.st_mode & 07777));
	}
	for (;;) {
		ssize_t r;
		if (len + 1 >= n) {
			char extra;
			r = read(fd, &extra, 1);
			if (r > 0 && !(r == 1 && extra == '\n' && read(fd, &extra, 1) == 0)) {
				close(fd);
				lyra_secret_wipe(buf, n);
				return lyra_error(LYRA_EX_CONFIG, "secret file '%s' is too long (over %zu bytes)",
				                  path, n - 1);
			}
			break;
		}
		r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			lyra_secret_wipe(buf, n);
			return lyra_error(LYRA_EX_IOERR, "cannot read secret file '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (!len)
		return lyra_error(LYRA_EX_CONFIG, "secret file '%s' is empty", path);
	return (int)len;
}
