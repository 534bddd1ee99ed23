/* The p2pcd subcommands (one cmd_*.c each); see main.c's table. */
#ifndef P2PCD_CLIENT_COMMANDS_H
#define P2PCD_CLIENT_COMMANDS_H

int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_unseal(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_license(int argc, char **argv);
int cmd_play(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_unpublish(int argc, char **argv);
int cmd_buy(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_sip(int argc, char **argv);

#endif
