/* Volume UUIDs (see uuid.h for the rule). */
#include <string.h>

#include "hex.h"
#include "uuid.h"

int uuid_parse(const char *text, char *canon)
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	char out[UUID_TEXT_LEN + 1];

	if (!text || strnlen(text, UUID_TEXT_LEN + 1) != UUID_TEXT_LEN)
		return 0;
	for (size_t i = 0; form[i]; i++) {
		if (form[i] == '-' ? text[i] != '-' : hex_digit_value(text[i]) < 0)
			return 0;
		out[i] = text[i] >= 'A' && text[i] <= 'F' ? (char)(text[i] - 'A' + 'a') : text[i];
	}
	out[UUID_TEXT_LEN] = '\0';
	if (canon)
		memcpy(canon, out, sizeof(out));
	return 1;
}

int uuid_is_canonical(const char *text)
{
	char canon[UUID_TEXT_LEN + 1];

	return uuid_parse(text, canon) && !strcmp(canon, text);
}

int uuid_same(const char *a, const char *b)
{
	char ca[UUID_TEXT_LEN + 1], cb[UUID_TEXT_LEN + 1];

	return uuid_parse(a, ca) && uuid_parse(b, cb) && !strcmp(ca, cb);
}
