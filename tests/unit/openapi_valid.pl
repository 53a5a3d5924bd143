#!/usr/bin/perl
# openapi_valid.pl: the gateway's OpenAPI document passes a real OpenAPI
# 3.0 validator (JSON::Validator::Schema::OpenAPIv3, Debian's
# libjson-validator-perl, which checks it against the specification's own
# schema from openapi-specification), and says the HTTP contract of
# docs/api.md: enums as short lower-case words, no *_UNSPECIFIED, instants
# as date-time strings with no "_us" keys, creates 201 with a Location,
# errors as application/problem+json.
#
#   openapi_valid.pl services/gateway/openapi.json
use strict;
use warnings;
use JSON::PP;
use JSON::Validator::Schema::OpenAPIv3;

my $path = shift or die "usage: $0 openapi.json\n";
my $schema = JSON::Validator::Schema::OpenAPIv3->new($path);
my @faults = map {"not valid OpenAPI: $_"} @{$schema->errors};

open my $fh, '<', $path or die "$path: $!\n";
my $doc = decode_json(do { local $/; <$fh> });

# Every schema: short lower-case enum words, date-time instants, no _us.
my $schemas = $doc->{components}{schemas};
for my $name (sort keys %$schemas) {
    my $props = $schemas->{$name}{properties} || {};
    for my $key (sort keys %$props) {
        my $p = $props->{$key};
        push @faults, "$name.$key: a _us key" if $key =~ /_us$/;
        push @faults, "$name.$key: a _json key" if $key =~ /_json$/;
        my $e = $p->{enum} || ($p->{items} || {})->{enum} || [];
        push @faults, "$name.$key: enum word '$_'" for grep { !/^[a-z][a-z0-9_]*$/ || /unspecified/ } @$e;
        push @faults, "$name.$key: an instant not a date-time string"
            if $key =~ /_at$/ && ($p->{format} || '') ne 'date-time';
    }
}
for my $req (qw(type title status detail code errors)) {
    push @faults, "Problem: no $req" unless $schemas->{Problem}{properties}{$req};
}

my ($creates, $ops) = (0, 0);
for my $p (sort keys %{$doc->{paths}}) {
    for my $m (sort keys %{$doc->{paths}{$p}}) {
        my $op = $doc->{paths}{$p}{$m};
        my $r = $op->{responses};
        $ops++;
        for my $q (@{$op->{parameters} || []}) {
            push @faults, "$m $p: parameter $q->{name}" if $q->{name} =~ /_us$/;
        }
        next if ($op->{'x-rpc'} || '') =~ /^Http\./;    # raw replies: health, the stream
        push @faults, "$m $p: errors are not problem+json"
            unless ($r->{default}{'$ref'} || '') eq '#/components/responses/Problem';
        if ($r->{201}) {
            $creates++;
            push @faults, "$m $p: a create without Location" unless $r->{201}{headers}{Location};
            push @faults, "$m $p: a create that also answers 200" if $r->{200};
        }
    }
}
my $problem = $doc->{components}{responses}{Problem}{content} || {};
push @faults, "the Problem response is not application/problem+json"
    unless $problem->{'application/problem+json'};
push @faults, "no create answers 201" unless $creates;
push @faults, "no operations" unless $ops;

print "$_\n" for @faults;
printf "%s: %d operations, %d creates, %d faults\n", $path, $ops, $creates, scalar @faults;
exit(@faults ? 1 : 0);
