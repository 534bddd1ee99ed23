/* Running ffmpeg for cenc encryption and decryption (no shell). */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "p2pcd/keyfile.h"
#include "cli.h"
#include "ffmpeg.h"

#define EXEC_FAILED 127

const char *ffmpeg_path(void)
{
	const char *p = getenv("P2PCD_FFMPEG");

	return p && *p ? p : "ffmpeg";
}

static int run(const char *cmd, char *const argv[])
{
	pid_t pid;
	int status, devnull;

	pid = fork();
	if(pid < 0) {
		cli_err(cmd, "cannot start ffmpeg: %s", strerror(errno));
		return -1;
	}
	if(pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if(devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		execvp(argv[0], argv);
		_exit(EXEC_FAILED);
	}
	while(waitpid(pid, &status, 0) < 0)
		if(errno != EINTR) {
			cli_err(cmd, "waiting for ffmpeg: %s", strerror(errno));
			return -1;
		}
	if(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if(WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED)
		cli_err(cmd,
				"cannot run %s: install ffmpeg (apt-get install ffmpeg) or "
				"set P2PCD_FFMPEG to its path",
				argv[0]);
	else if(WIFEXITED(status))
		cli_err(cmd,
				"ffmpeg failed (exit %d); its message is above. Is the input "
				"a complete, playable MP4?",
				WEXITSTATUS(status));
	else
		cli_err(cmd, "ffmpeg was killed by signal %d", WTERMSIG(status));
	return -1;
}

/* a path as an ffmpeg URL: "file:" so that a name like "http:x" or "-"
 * stays a file; "pipe:1" (stdout) as is */
static char *url(const char *path)
{
	char *u;

	if(strcmp(path, "pipe:1") == 0)
		return strdup(path);
	if(asprintf(&u, "file:%s", path) < 0)
		return NULL;
	return u;
}

/* the output part of the command line: a file, or fragmented to stdout */
static void out_args(const char *out, const char **argv, int i)
{
	argv[i++] = "-f";
	argv[i++] = "mp4";
	if(strcmp(out, "pipe:1") == 0) {
		argv[i++] = "-movflags";
		argv[i++] = "frag_keyframe+empty_moov";
	}
	argv[i++] = out;
	argv[i] = NULL;
}

int ffmpeg_cenc_encrypt(const char *cmd, const char *in, const char *out,
		const uint8_t key[16], const uint8_t kid[16])
{
	char khex[33], kidhex[33], *in_url = url(in), *out_url = url(out);
	const char *argv[32];
	int i = 0, rc = -1;

	if(!in_url || !out_url) {
		cli_err(cmd, "out of memory");
		goto out;
	}
	p2pcd_hex_encode(key, 16, khex, sizeof(khex));
	p2pcd_hex_encode(kid, 16, kidhex, sizeof(kidhex));
	argv[i++] = ffmpeg_path();
	argv[i++] = "-hide_banner";
	argv[i++] = "-nostdin";
	argv[i++] = "-loglevel";
	argv[i++] = "error";
	argv[i++] = "-y";
	argv[i++] = "-i";
	argv[i++] = in_url;
	/* every stream, stream copy: only the samples get encrypted */
	argv[i++] = "-map";
	argv[i++] = "0";
	argv[i++] = "-c";
	argv[i++] = "copy";
	argv[i++] = "-encryption_scheme";
	argv[i++] = "cenc-aes-ctr";
	argv[i++] = "-encryption_key";
	argv[i++] = khex;
	argv[i++] = "-encryption_kid";
	argv[i++] = kidhex;
	out_args(out_url, argv, i);
	rc = run(cmd, (char *const *)argv);
	sodium_memzero(khex, sizeof(khex));
out:
	free(in_url);
	free(out_url);
	return rc;
}

int ffmpeg_cenc_decrypt(
		const char *cmd, const char *in, const char *out, const uint8_t key[16])
{
	char khex[33], *in_url = url(in), *out_url = url(out);
	const char *argv[32];
	int i = 0, rc = -1;

	if(!in_url || !out_url) {
		cli_err(cmd, "out of memory");
		goto out;
	}
	p2pcd_hex_encode(key, 16, khex, sizeof(khex));
	argv[i++] = ffmpeg_path();
	argv[i++] = "-hide_banner";
	argv[i++] = "-nostdin";
	argv[i++] = "-loglevel";
	argv[i++] = "error";
	argv[i++] = "-y";
	argv[i++] = "-decryption_key";
	argv[i++] = khex;
	argv[i++] = "-i";
	argv[i++] = in_url;
	argv[i++] = "-map";
	argv[i++] = "0";
	argv[i++] = "-c";
	argv[i++] = "copy";
	out_args(out_url, argv, i);
	rc = run(cmd, (char *const *)argv);
	sodium_memzero(khex, sizeof(khex));
out:
	free(in_url);
	free(out_url);
	return rc;
}
