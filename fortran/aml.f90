! Module aml: AML from Fortran. Arrays whose pages lie where an area says
! (NUMA nodes, interleaved, the best memory for bandwidth), checked page
! by page, moved, copied; see doc/fortran.md.
!
! Conventions, as Fortran's own ALLOCATE:
! - every subroutine that can fail takes optional `stat` and `errmsg`
!   arguments. With `stat` present, a failure sets it to an AML error
!   code (AML_EINVAL...; 0 on success) and, when `errmsg` is present too,
!   assigns the message to `errmsg` (left unchanged on success). Without
!   `stat`, a failure stops the program (ERROR STOP) with the message, for
!   example "aml_area_mmap: Invalid argument: extent -4 in dimension 2 is
!   negative".
! - arrays are Fortran pointers of rank 1 to 7, of every integer, real and
!   complex kind of ISO_FORTRAN_ENV (int8 to int64, real32, real64),
!   default logical and character(len=1). Procedures that only read where
!   an array lies take any contiguous array, of any type and rank (a whole
!   array, or a contiguous section).
! - areas, heaps and copy engines are derived types with private
!   components; user code never sees a C pointer. A pointer that
!   aml_area_munmap or aml_free did not get from this module is refused,
!   never passed on: the module keeps a ledger of what it handed out.
!
! Thread safety: as the C functions underneath (areas, heaps and engines
! may be used by any number of threads at once); create and destroy one
! object from one thread. The ledger has a lock of its own. No function
! returns a deferred-length string (see "Small conversions" below).
module aml
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: int8, int16, int32, int64, &
                                           real32, real64
  implicit none
  private

  ! Error codes (the values of `stat`), as <aml/utils/error.h>.
  integer, parameter, public :: AML_SUCCESS = 0, AML_FAILURE = 1, &
       AML_ENOMEM = 2, AML_EINVAL = 3, AML_EDOM = 4, AML_ENOTSUP = 5, &
       AML_EBUSY = 6, AML_EPERM = 7

  ! Policies of Linux areas, as enum aml_area_linux_policy.
  integer, parameter, public :: AML_AREA_LINUX_POLICY_DEFAULT = 0, &
       AML_AREA_LINUX_POLICY_BIND = 1, AML_AREA_LINUX_POLICY_PREFERRED = 2, &
       AML_AREA_LINUX_POLICY_INTERLEAVE = 3, &
       AML_AREA_LINUX_POLICY_PREFERRED_MANY = 4, &
       AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE = 5, &
       AML_AREA_LINUX_POLICY_LOCAL = 6

  ! Criteria and fallbacks of hwloc best-memory areas, as
  ! enum aml_area_hwloc_criterion and enum aml_area_hwloc_fallback.
  integer, parameter, public :: AML_AREA_HWLOC_LOCAL = 0, &
       AML_AREA_HWLOC_BANDWIDTH = 1, AML_AREA_HWLOC_LATENCY = 2, &
       AML_AREA_HWLOC_CAPACITY = 3, AML_AREA_HWLOC_LOCALITY = 4, &
       AML_AREA_HWLOC_READ_BANDWIDTH = 5, AML_AREA_HWLOC_WRITE_BANDWIDTH = 6, &
       AML_AREA_HWLOC_READ_LATENCY = 7, AML_AREA_HWLOC_WRITE_LATENCY = 8
  integer, parameter, public :: AML_AREA_HWLOC_FALLBACK_NONE = 0, &
       AML_AREA_HWLOC_FALLBACK_PREFERRED = 1, &
       AML_AREA_HWLOC_FALLBACK_ORDERED = 2

  ! An area: where the memory it maps lives. Made by
  ! aml_area_linux_create or aml_area_hwloc_create_best, released by
  ! aml_area_destroy.
  type, public :: aml_area
    private
    type(c_ptr) :: ptr = c_null_ptr
    integer :: kind = 0
  end type aml_area

  ! A heap of objects on an area (aml_allocator_heap_create).
  type, public :: aml_allocator
    private
    type(c_ptr) :: ptr = c_null_ptr
    type(c_ptr) :: area = c_null_ptr
  end type aml_allocator

  ! A copy engine (aml_dma_linux_create).
  type, public :: aml_dma
    private
    type(c_ptr) :: ptr = c_null_ptr
  end type aml_dma

  ! Where the pages of an array are (aml_linux_inspect).
  type, public :: aml_linux_placement
    ! Bytes of a page counted (the base page size).
    integer(int64) :: page_size = 0
    ! Pages the array spans; of them, not placed yet; not reported.
    integer(int64) :: npages = 0, unplaced = 0, errors = 0
    ! node_pages(n): pages on node n, for n = 0 to the highest node.
    integer(int64), allocatable :: node_pages(:)
    ! The policy at the first page: its MPOL_* mode (-1: not mapped),
    ! its name ("interleave"...) and its nodes ("0-3"; "" for none).
    integer :: policy = -1
    character(len=:), allocatable :: policy_name, policy_nodes
    ! Whether the policy at the last page is the same.
    logical :: policy_uniform = .true.
  end type aml_linux_placement

  public :: aml_init, aml_finalize, aml_strerror, aml_nodes
  public :: aml_area_linux_create, aml_area_hwloc_create_best
  public :: aml_area_destroy, aml_area_mmap, aml_area_munmap
  public :: aml_area_linux_check_binding, aml_area_linux_migrate
  public :: aml_linux_inspect, aml_linux_page_map
  public :: aml_allocator_heap_create, aml_allocator_heap_destroy
  public :: aml_alloc, aml_free
  public :: aml_dma_linux_create, aml_dma_linux_destroy, aml_dma_copy

  ! The kinds of area, for the functions that only some take.
  integer, parameter :: AREA_LINUX = 1, AREA_HWLOC = 2
  ! aml__fortran_release()'s answers (fortran/shim.h).
  integer, parameter :: LEDGER_UNKNOWN = 1, LEDGER_OTHER_OWNER = 2, &
       LEDGER_OTHER_SIZE = 3
  integer, parameter :: MAX_RANK = 7

  ! One call's state: its name, the first error and what it is about,
  ! and the array it makes.
  type :: call_state
    character(len=:), allocatable :: name, why
    integer :: err = 0
    integer(int64) :: bytes = 0
    integer(int64) :: extent(MAX_RANK) = 0, lower(MAX_RANK) = 1
    type(c_ptr) :: ptr = c_null_ptr
  end type call_state

  ! What zero-size arrays point to: they hold no memory of an area.
  integer(int8), target :: empty(1) = 0_int8

  interface aml_area_linux_create
    module procedure linux_create_all, linux_create_list, linux_create_string
  end interface aml_area_linux_create

  ! aml_area_mmap, aml_area_munmap, aml_alloc, aml_free: one procedure
  ! per type and rank, made from fortran/typed.f90.in.
  include 'aml_generics.f90'

  interface
    integer(c_int) function c_init(argc, argv) bind(C, name='aml_init')
      import :: c_int, c_ptr
      type(c_ptr), value :: argc, argv
    end function c_init
    integer(c_int) function c_finalize() bind(C, name='aml_finalize')
      import :: c_int
    end function c_finalize
    pure type(c_ptr) function c_strerror(err) bind(C, name='aml_strerror')
      import :: c_int, c_ptr
      integer(c_int), value :: err
    end function c_strerror
    integer(c_int) function c_linux_create(area, mask, policy) &
         bind(C, name='aml_area_linux_create')
      import :: c_int, c_ptr
      type(c_ptr) :: area
      type(c_ptr), value :: mask
      integer(c_int), value :: policy
    end function c_linux_create
    subroutine c_linux_destroy(area) bind(C, name='aml_area_linux_destroy')
      import :: c_ptr
      type(c_ptr) :: area
    end subroutine c_linux_destroy
    integer(c_int) function c_hwloc_create_best(area, criterion, cpus, &
         fallback) bind(C, name='aml_area_hwloc_create_best')
      import :: c_int, c_ptr
      type(c_ptr) :: area
      integer(c_int), value :: criterion, fallback
      type(c_ptr), value :: cpus
    end function c_hwloc_create_best
    subroutine c_hwloc_destroy(area) bind(C, name='aml_area_hwloc_destroy')
      import :: c_ptr
      type(c_ptr) :: area
    end subroutine c_hwloc_destroy
    type(c_ptr) function c_criterion_name(criterion) &
         bind(C, name='aml_area_hwloc_criterion_name')
      import :: c_int, c_ptr
      integer(c_int), value :: criterion
    end function c_criterion_name
    type(c_ptr) function c_mmap(area, size, opts) bind(C, name='aml_area_mmap')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: area, opts
      integer(c_size_t), value :: size
    end function c_mmap
    integer(c_int) function c_munmap(area, ptr, size) &
         bind(C, name='aml_area_munmap')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: area, ptr
      integer(c_size_t), value :: size
    end function c_munmap
    integer(c_int) function c_migrate(area, ptr, size, moved, failed, &
         status) bind(C, name='aml_area_linux_migrate')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: area, ptr, status
      integer(c_size_t), value :: size
      integer(c_size_t) :: moved, failed
    end function c_migrate
    integer(c_int) function c_bitmap_create(bitmap) &
         bind(C, name='aml_bitmap_create')
      import :: c_int, c_ptr
      type(c_ptr) :: bitmap
    end function c_bitmap_create
    subroutine c_bitmap_destroy(bitmap) bind(C, name='aml_bitmap_destroy')
      import :: c_ptr
      type(c_ptr) :: bitmap
    end subroutine c_bitmap_destroy
    integer(c_int) function c_bitmap_from_string(bitmap, string) &
         bind(C, name='aml_bitmap_from_string')
      import :: c_int, c_ptr, c_char
      type(c_ptr), value :: bitmap
      character(kind=c_char) :: string(*)
    end function c_bitmap_from_string
    integer(c_int) function c_heap_create(heap, area, opts) &
         bind(C, name='aml_allocator_heap_create')
      import :: c_int, c_ptr
      type(c_ptr) :: heap
      type(c_ptr), value :: area, opts
    end function c_heap_create
    integer(c_int) function c_heap_destroy(heap) &
         bind(C, name='aml_allocator_heap_destroy')
      import :: c_int, c_ptr
      type(c_ptr) :: heap
    end function c_heap_destroy
    type(c_ptr) function c_alloc(heap, size) bind(C, name='aml_alloc')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: heap
      integer(c_size_t), value :: size
    end function c_alloc
    integer(c_int) function c_free(heap, ptr) bind(C, name='aml_free')
      import :: c_int, c_ptr
      type(c_ptr), value :: heap, ptr
    end function c_free
    integer(c_int) function c_dma_linux_create(dma, nworkers) &
         bind(C, name='aml_dma_linux_create')
      import :: c_int, c_ptr
      type(c_ptr) :: dma
      integer(c_int), value :: nworkers
    end function c_dma_linux_create
    subroutine c_dma_linux_destroy(dma) bind(C, name='aml_dma_linux_destroy')
      import :: c_ptr
      type(c_ptr) :: dma
    end subroutine c_dma_linux_destroy
    integer(c_int) function c_dma_copy(dma, dst, src, size) &
         bind(C, name='aml_dma_copy')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: dma, dst, src
      integer(c_size_t), value :: size
    end function c_dma_copy
    integer(c_size_t) function c_npages(ptr, size) &
         bind(C, name='aml_linux_npages')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size
    end function c_npages
    integer(c_int) function c_page_map(ptr, size, buf, len) &
         bind(C, name='aml_linux_page_map')
      import :: c_int, c_ptr, c_size_t, c_char
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size, len
      character(kind=c_char) :: buf(*)
    end function c_page_map
    type(c_ptr) function c_policy_name(mode) bind(C, name='aml_linux_policy_name')
      import :: c_int, c_ptr
      integer(c_int), value :: mode
    end function c_policy_name
    subroutine c_free_string(ptr) bind(C, name='free')
      import :: c_ptr
      type(c_ptr), value :: ptr
    end subroutine c_free_string
    pure integer(c_size_t) function c_strlen(ptr) bind(C, name='strlen')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: ptr
    end function c_strlen
    ! fortran/shim.h
    integer(c_int) function c_errno() bind(C, name='aml__fortran_errno')
      import :: c_int
    end function c_errno
    integer(c_int) function c_list_bitmap(list, n, bitmap, bad) &
         bind(C, name='aml__fortran_bitmap')
      import :: c_int, c_ptr, c_size_t
      integer(c_int) :: list(*)
      integer(c_size_t), value :: n
      type(c_ptr) :: bitmap
      integer(c_size_t) :: bad
    end function c_list_bitmap
    integer(c_int) function c_nodes(nodes, max) bind(C, name='aml__fortran_nodes')
      import :: c_int
      integer(c_int) :: nodes(*)
      integer(c_int), value :: max
    end function c_nodes
    integer(c_int) function c_max_node() bind(C, name='aml__fortran_max_node')
      import :: c_int
    end function c_max_node
    integer(c_int) function c_inspect(ptr, size, counts, ncounts, sizes, &
         policy, uniform, nodes) bind(C, name='aml__fortran_inspect')
      import :: c_int, c_ptr, c_size_t, c_int64_t
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size
      integer(c_int64_t) :: counts(*), sizes(4)
      integer(c_int), value :: ncounts
      integer(c_int) :: policy, uniform
      type(c_ptr) :: nodes
    end function c_inspect
    integer(c_int) function c_check_binding(area, ptr, size) &
         bind(C, name='aml__fortran_check_binding')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: area, ptr
      integer(c_size_t), value :: size
    end function c_check_binding
    integer(c_int) function c_hold(key, size, owner) bind(C, name='aml__fortran_hold')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: key, owner
      integer(c_size_t), value :: size
    end function c_hold
    integer(c_int) function c_release(key, size, owner, held) &
         bind(C, name='aml__fortran_release')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: key, owner
      integer(c_size_t), value :: size
      integer(c_size_t) :: held
    end function c_release
    integer(c_size_t) function c_holders(owner) bind(C, name='aml__fortran_holders')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: owner
    end function c_holders
    integer(c_int) function c_release_all(owner) &
         bind(C, name='aml__fortran_release_all')
      import :: c_int, c_ptr
      type(c_ptr), value :: owner
    end function c_release_all
  end interface

contains

  ! ---------------------------------------------------------------------
  ! Small conversions
  !
  ! No function here returns a deferred-length string: gfortran (12 at
  ! least) keeps the length of such a result in a static variable of the
  ! caller, shared by every thread. Lengths are given instead by pure
  ! functions, or the string is an allocatable dummy of a subroutine.

  ! A copy of a NUL-terminated C string ("" for NULL).
  subroutine c_string(ptr, s)
    type(c_ptr), intent(in) :: ptr
    character(len=:), allocatable, intent(out) :: s

    allocate(character(len=c_length(ptr)) :: s)
    call c_copy(ptr, s)
  end subroutine c_string

  pure integer function c_length(ptr)
    type(c_ptr), intent(in) :: ptr

    c_length = 0
    if (c_associated(ptr)) c_length = int(c_strlen(ptr))
  end function c_length

  ! The first len(s) characters at `ptr` into `s`.
  subroutine c_copy(ptr, s)
    type(c_ptr), intent(in) :: ptr
    character(len=*), intent(out) :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i

    if (len(s) == 0) return
    call c_f_pointer(ptr, chars, [len(s)])
    do i = 1, len(s)
      s(i:i) = chars(i)
    end do
  end subroutine c_copy

  pure integer function decimal_length(i)
    integer(int64), intent(in) :: i
    character(len=24) :: buf

    write(buf, '(i0)') i
    decimal_length = len_trim(buf)
  end function decimal_length

  function decimal(i) result(s)
    integer(int64), intent(in) :: i
    character(len=decimal_length(i)) :: s

    write(s, '(i0)') i
  end function decimal

  function int_decimal(i) result(s)
    integer, intent(in) :: i
    character(len=decimal_length(int(i, int64))) :: s

    write(s, '(i0)') i
  end function int_decimal

  ! A list as Linux writes node lists: "0-3,8" ("" when empty).
  pure subroutine format_list(list, s)
    integer, intent(in) :: list(:)
    character(len=:), allocatable, intent(out) :: s
    character(len=24) :: a, b
    integer :: i, first

    s = ''
    i = 1
    do while (i <= size(list))
      first = i
      do while (i < size(list))
        if (list(i + 1) /= list(i) + 1) exit
        i = i + 1
      end do
      if (len(s) > 0) s = s // ','
      write(a, '(i0)') list(first)
      write(b, '(i0)') list(i)
      s = s // trim(a)
      if (i > first) s = s // '-' // trim(b)
      i = i + 1
    end do
  end subroutine format_list

  pure integer function list_length(list)
    integer, intent(in) :: list(:)
    character(len=:), allocatable :: s

    call format_list(list, s)
    list_length = len(s)
  end function list_length

  function list_string(list) result(s)
    integer, intent(in) :: list(:)
    character(len=list_length(list)) :: s
    character(len=:), allocatable :: t

    call format_list(list, t)
    s = t
  end function list_string

  pure integer function strerror_length(err)
    integer, intent(in) :: err

    strerror_length = c_length(c_strerror(int(err, c_int)))
  end function strerror_length

  ! The message of an AML error code (either sign): "Invalid argument"...
  function aml_strerror(err) result(msg)
    integer, intent(in) :: err
    character(len=strerror_length(err)) :: msg

    call c_copy(c_strerror(int(err, c_int)), msg)
  end function aml_strerror

  ! ---------------------------------------------------------------------
  ! Errors

  ! Note the first failure of a call: `err`, an AML code of either sign,
  ! and what it was about.
  subroutine fail(r, err, why)
    type(call_state), intent(inout) :: r
    integer, intent(in) :: err
    character(len=*), intent(in) :: why

    if (r%err /= 0 .or. err == 0) return
    r%err = abs(err)
    r%why = why
  end subroutine fail

  ! "name: AML's message: why".
  subroutine compose(r, msg)
    type(call_state), intent(in) :: r
    character(len=:), allocatable, intent(out) :: msg

    msg = r%name // ': ' // aml_strerror(r%err)
    if (allocated(r%why)) then
      if (len(r%why) > 0) msg = msg // ': ' // r%why
    end if
  end subroutine compose

  ! End a call as ALLOCATE does: set `stat` (and `errmsg` on failure), or
  ! stop with the message when `stat` is absent.
  subroutine report(r, stat, errmsg)
    type(call_state), intent(in) :: r
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    character(len=:), allocatable :: msg

    if (present(stat)) stat = r%err
    if (r%err == 0) return
    call compose(r, msg)
    if (.not. present(stat)) error stop msg
    if (present(errmsg)) errmsg = msg
  end subroutine report

  ! A call's state, named.
  function named(name) result(r)
    character(len=*), intent(in) :: name
    type(call_state) :: r

    r%name = name
  end function named



  ! ---------------------------------------------------------------------
  ! The library

  ! Initialise AML (optional: everything works without it).
  ! Errors: none today; `stat` is 0.
  subroutine aml_init(stat, errmsg)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r

    r = named('aml_init')
    call fail(r, int(c_init(c_null_ptr, c_null_ptr)), '')
    call report(r, stat, errmsg)
  end subroutine aml_init

  ! Release what AML keeps for the life of the process (optional); areas
  ! stay usable. Errors: none today; `stat` is 0.
  subroutine aml_finalize(stat, errmsg)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r

    r = named('aml_finalize')
    call fail(r, int(c_finalize()), '')
    call report(r, stat, errmsg)
  end subroutine aml_finalize

  ! The nodes this process may allocate on (its cpuset's mems_allowed),
  ! ascending. Errors: AML_ENOMEM (then the result is empty).
  function aml_nodes(stat, errmsg) result(nodes)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    integer, allocatable :: nodes(:)
    integer(c_int) :: n, buf(1)
    type(call_state) :: r

    r = named('aml_nodes')
    allocate(nodes(0))
    n = c_nodes(buf, 0_c_int)
    if (n > 0) then
      deallocate(nodes)
      allocate(nodes(n))
      n = c_nodes(nodes, n)
    end if
    if (n < 0) call fail(r, int(n), 'reading the allowed nodes')
    call report(r, stat, errmsg)
  end function aml_nodes

  ! ---------------------------------------------------------------------
  ! Areas

  ! The area a call uses must exist.
  subroutine need_area(r, area, kind)
    type(call_state), intent(inout) :: r
    type(aml_area), intent(in) :: area
    integer, intent(in), optional :: kind

    if (.not. c_associated(area%ptr)) then
      call fail(r, AML_EINVAL, 'the area was not created, or was destroyed')
    else if (present(kind)) then
      if (area%kind /= kind) call fail(r, AML_EINVAL, 'not a Linux area')
    end if
  end subroutine need_area

  ! And an area being created must not.
  subroutine need_no_area(r, area)
    type(call_state), intent(inout) :: r
    type(aml_area), intent(in) :: area

    if (c_associated(area%ptr)) &
         call fail(r, AML_EINVAL, 'the area exists already: destroy it first')
  end subroutine need_no_area

  ! A bitmap of `list` (NULL for no list), which the caller destroys.
  function list_bitmap(r, list, what) result(bitmap)
    type(call_state), intent(inout) :: r
    integer, intent(in) :: list(:)
    character(len=*), intent(in) :: what
    type(c_ptr) :: bitmap
    integer(c_int) :: err
    integer(c_size_t) :: bad

    bitmap = c_null_ptr
    if (size(list) == 0) then
      call fail(r, AML_EINVAL, 'the ' // what // ' list is empty')
      return
    end if
    bad = 0
    err = c_list_bitmap(int(list, c_int), int(size(list), c_size_t), bitmap, bad)
    if (err == -AML_EDOM) then
      call fail(r, AML_EDOM, what // ' ' // int_decimal(list(bad + 1)) // &
           ' is not a possible ' // what // ' number')
    else
      call fail(r, int(err), 'no memory for a ' // what // ' mask')
    end if
  end function list_bitmap

  ! Create a Linux area: pages placed by `policy`
  ! (AML_AREA_LINUX_POLICY_*) over `nodes`, an integer array ([0, 2]) or
  ! a node list string ("0-3,8"; "all": every node this process may
  ! allocate on, as without `nodes`). Destroy it with aml_area_destroy.
  ! Errors: AML_EINVAL (unknown policy, empty or unreadable node list,
  ! `area` already created); AML_EDOM (a node that does not exist or that
  ! this process may not use); AML_ENOTSUP (the kernel lacks the policy);
  ! AML_ENOMEM.
  subroutine linux_create_all(area, policy, stat, errmsg)
    type(aml_area), intent(inout) :: area
    integer, intent(in) :: policy
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: mask

    r = named('aml_area_linux_create')
    mask = c_null_ptr
    call linux_create(r, area, policy, mask, 'all')
    call report(r, stat, errmsg)
  end subroutine linux_create_all

  subroutine linux_create_list(area, policy, nodes, stat, errmsg)
    type(aml_area), intent(inout) :: area
    integer, intent(in) :: policy
    integer, intent(in) :: nodes(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: mask

    r = named('aml_area_linux_create')
    mask = list_bitmap(r, nodes, 'node')
    if (r%err == 0) call linux_create(r, area, policy, mask, list_string(nodes))
    call c_bitmap_destroy(mask)
    call report(r, stat, errmsg)
  end subroutine linux_create_list

  subroutine linux_create_string(area, policy, nodes, stat, errmsg)
    type(aml_area), intent(inout) :: area
    integer, intent(in) :: policy
    character(len=*), intent(in) :: nodes
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: mask

    r = named('aml_area_linux_create')
    mask = c_null_ptr
    ! "all" as numactl says it: every node this process may use (for
    ! aml_bitmap_from_string(), every bit).
    if (trim(adjustl(nodes)) == 'all') then
      call linux_create(r, area, policy, mask, '"all"')
      call report(r, stat, errmsg)
      return
    end if
    call fail(r, int(c_bitmap_create(mask)), 'no memory for a node mask')
    if (r%err == 0) then
      if (c_bitmap_from_string(mask, trim(nodes) // c_null_char) /= 0) &
           call fail(r, AML_EINVAL, '"' // trim(nodes) // '" is not a node list')
    end if
    if (r%err == 0) call linux_create(r, area, policy, mask, '"' // trim(nodes) // '"')
    call c_bitmap_destroy(mask)
    call report(r, stat, errmsg)
  end subroutine linux_create_string

  subroutine linux_create(r, area, policy, mask, nodes)
    type(call_state), intent(inout) :: r
    type(aml_area), intent(inout) :: area
    integer, intent(in) :: policy
    type(c_ptr), intent(in) :: mask
    character(len=*), intent(in) :: nodes
    integer :: err
    character(len=:), allocatable :: why

    call need_no_area(r, area)
    if (r%err /= 0) return
    err = abs(c_linux_create(area%ptr, mask, int(policy, c_int)))
    if (err == 0) then
      area%kind = AREA_LINUX
      return
    end if
    why = 'policy ' // int_decimal(policy) // ', nodes ' // nodes
    if (err == AML_EINVAL) why = why // ' (an unknown policy, or no node)'
    if (err == AML_EDOM) why = why // '; this process may allocate on nodes ' &
         // list_string(aml_nodes())
    if (err == AML_ENOTSUP) why = why // ': the kernel lacks this policy'
    call fail(r, err, why)
  end subroutine linux_create

  ! Names for messages, blank-padded.
  function criterion_name(criterion) result(s)
    integer, intent(in) :: criterion
    character(len=40) :: s
    type(c_ptr) :: name

    name = c_criterion_name(int(criterion, c_int))
    if (c_associated(name)) then
      s = ''
      call c_copy(name, s(1:min(len(s), c_length(name))))
    else
      s = int_decimal(criterion) // ' (unknown)'
    end if
  end function criterion_name

  function fallback_name(fallback) result(s)
    integer, intent(in) :: fallback
    character(len=40) :: s

    select case (fallback)
    case (AML_AREA_HWLOC_FALLBACK_NONE)
      s = 'none'
    case (AML_AREA_HWLOC_FALLBACK_PREFERRED)
      s = 'preferred'
    case (AML_AREA_HWLOC_FALLBACK_ORDERED)
      s = 'ordered'
    case default
      s = int_decimal(fallback) // ' (unknown)'
    end select
  end function fallback_name

  ! Create an hwloc best-memory area: each mapping lands on the best
  ! memory for `criterion` (AML_AREA_HWLOC_BANDWIDTH, _LATENCY,
  ! _CAPACITY, _LOCALITY, _LOCAL...) seen from the CPUs `initiator`
  ! (default: the calling thread at each mapping), and beyond it as
  ! `fallback` says (AML_AREA_HWLOC_FALLBACK_NONE, the default: strictly
  ! there; _PREFERRED; _ORDERED). Destroy it with aml_area_destroy.
  ! Errors: AML_EINVAL (unknown criterion or fallback, empty initiator,
  ! `area` already created); AML_EDOM (a CPU that does not exist or that
  ! this process may not use); AML_ENOTSUP (AML built without hwloc, or
  ! the machine reports no value of the criterion for these CPUs: Linux
  ! gives bandwidth and latency only where the firmware has an HMAT);
  ! AML_ENOMEM.
  subroutine aml_area_hwloc_create_best(area, criterion, fallback, &
       initiator, stat, errmsg)
    type(aml_area), intent(inout) :: area
    integer, intent(in) :: criterion
    integer, intent(in), optional :: fallback
    integer, intent(in), optional :: initiator(:)
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: cpus
    integer :: how, err
    character(len=:), allocatable :: from

    r = named('aml_area_hwloc_create_best')
    cpus = c_null_ptr
    how = AML_AREA_HWLOC_FALLBACK_NONE
    if (present(fallback)) how = fallback
    from = 'the calling thread'
    if (present(initiator)) then
      cpus = list_bitmap(r, initiator, 'CPU')
      from = 'CPUs ' // list_string(initiator)
    end if
    call need_no_area(r, area)
    if (r%err == 0) then
      err = c_hwloc_create_best(area%ptr, int(criterion, c_int), cpus, &
           int(how, c_int))
      call fail(r, int(err), 'criterion ' // trim(criterion_name(criterion)) &
           // ', fallback ' // trim(fallback_name(how)) // ', from ' // from)
      if (err == 0) area%kind = AREA_HWLOC
    end if
    call c_bitmap_destroy(cpus)
    call report(r, stat, errmsg)
  end subroutine aml_area_hwloc_create_best


  ! Destroy an area and reset `area`; an area not created is left alone.
  ! Errors: AML_EBUSY while arrays mapped from it or heaps on it remain
  ! (release them first: they could not be unmapped afterwards).
  subroutine aml_area_destroy(area, stat, errmsg)
    type(aml_area), intent(inout) :: area
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    integer(c_size_t) :: held

    r = named('aml_area_destroy')
    held = 0
    if (c_associated(area%ptr)) held = c_holders(area%ptr)
    if (held == 1) then
      call fail(r, AML_EBUSY, 'an array or a heap still uses the area')
    else if (held > 1) then
      call fail(r, AML_EBUSY, decimal(int(held, int64)) // &
           ' arrays or heaps still use the area')
    else if (area%kind == AREA_LINUX) then
      call c_linux_destroy(area%ptr)
    else if (area%kind == AREA_HWLOC) then
      call c_hwloc_destroy(area%ptr)
    end if
    if (r%err == 0) area = aml_area()
    call report(r, stat, errmsg)
  end subroutine aml_area_destroy

  ! ---------------------------------------------------------------------
  ! Shapes of the arrays made

  ! `values` (an integer array of any kind, one entry a dimension) into
  ! `out`.
  subroutine read_extents(r, values, rank, what, out)
    type(call_state), intent(inout) :: r
    class(*), intent(in) :: values(:)
    integer, intent(in) :: rank
    character(len=*), intent(in) :: what
    integer(int64), intent(inout) :: out(MAX_RANK)

    if (size(values) /= rank) then
      call fail(r, AML_EINVAL, what // ' is of size ' // &
           int_decimal(size(values)) // ', the rank of x is ' // int_decimal(rank))
      return
    end if
    select type (values)
    type is (integer(int8))
      out(1:rank) = int(values, int64)
    type is (integer(int16))
      out(1:rank) = int(values, int64)
    type is (integer(int32))
      out(1:rank) = int(values, int64)
    type is (integer(int64))
      out(1:rank) = values
    class default
      call fail(r, AML_EINVAL, what // ' is not an integer array')
    end select
  end subroutine read_extents

  ! Extents, lower bounds and bytes of an array of `rank` dimensions of
  ! `bits`-bit elements.
  subroutine plan(r, shape, lower, rank, bits)
    type(call_state), intent(inout) :: r
    class(*), intent(in) :: shape(:)
    class(*), intent(in), optional :: lower(:)
    integer, intent(in) :: rank, bits
    integer :: i

    call read_extents(r, shape, rank, 'shape', r%extent)
    if (present(lower)) call read_extents(r, lower, rank, 'lower', r%lower)
    if (r%err /= 0) return
    r%bytes = bits / 8
    do i = 1, rank
      if (r%extent(i) < 0) then
        call fail(r, AML_EINVAL, 'extent ' // decimal(r%extent(i)) // &
             ' in dimension ' // int_decimal(i) // ' is negative')
      else if (r%extent(i) > 0) then
        if (r%bytes > huge(r%bytes) / r%extent(i)) &
             call fail(r, AML_ENOMEM, 'the size overflows 64 bits')
      end if
      if (r%err /= 0) return
      r%bytes = r%bytes * r%extent(i)
    end do
  end subroutine plan

  ! Map r%bytes from `area` into r%ptr, recorded in the ledger.
  subroutine area_map(r, area)
    type(call_state), intent(inout) :: r
    type(aml_area), intent(in) :: area
    integer :: err

    call need_area(r, area)
    if (r%err /= 0) return
    if (r%bytes == 0) then
      r%ptr = c_loc(empty)
      return
    end if
    r%ptr = c_mmap(area%ptr, int(r%bytes, c_size_t), c_null_ptr)
    if (.not. c_associated(r%ptr)) then
      call fail(r, int(c_errno()), decimal(r%bytes) // ' bytes')
      return
    end if
    err = c_hold(r%ptr, int(r%bytes, c_size_t), area%ptr)
    if (err /= 0) then
      err = c_munmap(area%ptr, r%ptr, int(r%bytes, c_size_t))
      call fail(r, AML_ENOMEM, 'no memory to record the mapping')
    end if
  end subroutine area_map

  ! Allocate r%bytes from `heap` into r%ptr, recorded in the ledger.
  subroutine heap_alloc(r, heap)
    type(call_state), intent(inout) :: r
    type(aml_allocator), intent(in) :: heap
    integer :: err

    call need_heap(r, heap)
    if (r%err /= 0) return
    if (r%bytes == 0) then
      r%ptr = c_loc(empty)
      return
    end if
    r%ptr = c_alloc(heap%ptr, int(r%bytes, c_size_t))
    if (.not. c_associated(r%ptr)) then
      call fail(r, int(c_errno()), decimal(r%bytes) // ' bytes')
      return
    end if
    err = c_hold(r%ptr, int(r%bytes, c_size_t), heap%ptr)
    if (err /= 0) then
      err = c_free(heap%ptr, r%ptr)
      call fail(r, AML_ENOMEM, 'no memory to record the object')
    end if
  end subroutine heap_alloc

  ! ---------------------------------------------------------------------
  ! Arrays given back

  ! The address and bytes of `x`, which must be contiguous.
  subroutine range_of(r, what, x, ptr, bytes)
    type(call_state), intent(inout) :: r
    character(len=*), intent(in) :: what
    class(*), dimension(..), target, intent(in) :: x
    type(c_ptr), intent(out) :: ptr
    integer(int64), intent(out) :: bytes

    ptr = c_null_ptr
    bytes = size(x, kind=int64) * (storage_size(x) / 8)
    if (bytes == 0) return
    ! Asked of a type(*) dummy: gfortran 12 answers .true. for any
    ! class(*) one.
    if (.not. contiguous_array(x)) then
      call fail(r, AML_EINVAL, what // ' is not contiguous (a strided section)')
      return
    end if
    ptr = address(x)
  end subroutine range_of

  logical function contiguous_array(x)
    type(*), dimension(..), intent(in) :: x

    contiguous_array = is_contiguous(x)
  end function contiguous_array

  type(c_ptr) function address(x)
    type(*), dimension(..), target, intent(in) :: x

    address = c_loc(x)
  end function address

  ! Take `x` out of the ledger as memory of `owner`, saying what is wrong
  ! when it is not: then nothing may be released.
  subroutine take_back(r, x, owner, what, ptr, bytes)
    type(call_state), intent(inout) :: r
    class(*), dimension(..), target, intent(in) :: x
    type(c_ptr), intent(in) :: owner
    character(len=*), intent(in) :: what
    type(c_ptr), intent(out) :: ptr
    integer(int64), intent(out) :: bytes
    integer(c_size_t) :: held
    integer :: answer

    call range_of(r, 'x', x, ptr, bytes)
    if (r%err /= 0 .or. bytes == 0) return
    held = 0
    answer = c_release(ptr, int(bytes, c_size_t), owner, held)
    select case (answer)
    case (LEDGER_UNKNOWN)
      call fail(r, AML_EINVAL, 'x is not the start of ' // what // &
           ' from this module (released already, or a section?)')
    case (LEDGER_OTHER_OWNER)
      call fail(r, AML_EINVAL, 'x is ' // what // ' from another one')
    case (LEDGER_OTHER_SIZE)
      call fail(r, AML_EINVAL, 'x covers ' // decimal(bytes) // ' of the ' &
           // decimal(int(held, int64)) // ' bytes of its ' // what)
    end select
  end subroutine take_back

  ! Unmap `x` from `area` (the typed aml_area_munmap procedures).
  subroutine area_unmap(r, area, x)
    type(call_state), intent(inout) :: r
    type(aml_area), intent(in) :: area
    class(*), dimension(..), target, intent(in) :: x
    type(c_ptr) :: ptr
    integer(int64) :: bytes
    integer :: err

    call need_area(r, area)
    if (r%err /= 0) return
    call take_back(r, x, area%ptr, 'a mapping of this area', ptr, bytes)
    if (r%err /= 0 .or. bytes == 0) return
    err = c_munmap(area%ptr, ptr, int(bytes, c_size_t))
    call fail(r, int(err), '')
    if (err /= 0) err = c_hold(ptr, int(bytes, c_size_t), area%ptr)
  end subroutine area_unmap

  ! Free `x` to `heap` (the typed aml_free procedures).
  subroutine heap_free(r, heap, x)
    type(call_state), intent(inout) :: r
    type(aml_allocator), intent(in) :: heap
    class(*), dimension(..), target, intent(in) :: x
    type(c_ptr) :: ptr
    integer(int64) :: bytes
    integer :: err

    call need_heap(r, heap)
    if (r%err /= 0) return
    call take_back(r, x, heap%ptr, 'an object of this heap', ptr, bytes)
    if (r%err /= 0 .or. bytes == 0) return
    err = c_free(heap%ptr, ptr)
    call fail(r, int(err), '')
    if (err /= 0) err = c_hold(ptr, int(bytes, c_size_t), heap%ptr)
  end subroutine heap_free

  ! ---------------------------------------------------------------------
  ! Placement

  ! Whether the pages of `x` (any contiguous array, usually mapped from
  ! `area`) lie where the Linux area `area` places them: its policy is in
  ! force there and every page already placed is on the right node (for
  ! interleave, in round-robin). Pages not touched yet are not faulted in.
  ! .true. for a zero-size array.
  ! Errors: AML_EINVAL (not a Linux area, `x` not contiguous);
  ! AML_ENOMEM; AML_FAILURE (the kernel could not be asked).
  function aml_area_linux_check_binding(area, x, stat, errmsg) result(ok)
    type(aml_area), intent(in) :: area
    class(*), dimension(..), target, intent(in) :: x
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    logical :: ok
    type(call_state) :: r
    type(c_ptr) :: ptr
    integer(int64) :: bytes
    integer :: answer

    r = named('aml_area_linux_check_binding')
    ok = .false.
    call need_area(r, area, AREA_LINUX)
    call range_of(r, 'x', x, ptr, bytes)
    if (r%err == 0 .and. bytes == 0) ok = .true.
    if (r%err == 0 .and. bytes > 0) then
      answer = c_check_binding(area%ptr, ptr, int(bytes, c_size_t))
      call fail(r, min(answer, 0), '')
      ok = answer == 1
    end if
    call report(r, stat, errmsg)
  end function aml_area_linux_check_binding

  ! Move the pages of `x` (any contiguous array) to the placement of the
  ! Linux area `area`, and apply its policy to them for their future
  ! pages. `moved` receives the pages that changed node, `failed` those
  ! still off the area's placement (pinned, busy, target full). `x` keeps
  ! its values and its address; the caller still releases it where it
  ! came from.
  ! Errors: AML_EINVAL (not a Linux area, `x` not contiguous); AML_ENOMEM;
  ! AML_FAILURE.
  subroutine aml_area_linux_migrate(area, x, moved, failed, stat, errmsg)
    type(aml_area), intent(in) :: area
    class(*), dimension(..), target, intent(in) :: x
    integer(int64), intent(out), optional :: moved, failed
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: ptr
    integer(int64) :: bytes
    integer(c_size_t) :: nmoved, nfailed

    r = named('aml_area_linux_migrate')
    nmoved = 0
    nfailed = 0
    call need_area(r, area, AREA_LINUX)
    call range_of(r, 'x', x, ptr, bytes)
    if (r%err == 0 .and. bytes > 0) call fail(r, int(c_migrate(area%ptr, &
         ptr, int(bytes, c_size_t), nmoved, nfailed, c_null_ptr)), '')
    if (present(moved)) moved = int(nmoved, int64)
    if (present(failed)) failed = int(nfailed, int64)
    call report(r, stat, errmsg)
  end subroutine aml_area_linux_migrate

  ! Where the pages of `x` (any contiguous array, of any memory) are:
  ! pages per node, pages not placed yet, the policy in force. Nothing is
  ! faulted in. A zero-size array has no page.
  ! Errors: AML_EINVAL (`x` not contiguous); AML_ENOTSUP (no NUMA support
  ! in the kernel); AML_ENOMEM; AML_FAILURE.
  subroutine aml_linux_inspect(x, placement, stat, errmsg)
    class(*), dimension(..), target, intent(in) :: x
    type(aml_linux_placement), intent(out) :: placement
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: ptr, nodes
    integer(int64) :: bytes
    integer(c_int64_t) :: sizes(4)
    integer(c_int) :: policy, uniform, top

    r = named('aml_linux_inspect')
    top = max(c_max_node(), 0_c_int)
    allocate(placement%node_pages(0:top))
    placement%node_pages = 0
    placement%policy_name = ''
    placement%policy_nodes = ''
    call range_of(r, 'x', x, ptr, bytes)
    if (r%err == 0 .and. bytes > 0) then
      nodes = c_null_ptr
      call fail(r, int(c_inspect(ptr, int(bytes, c_size_t), &
           placement%node_pages, top + 1, sizes, policy, uniform, nodes)), '')
      call c_string(nodes, placement%policy_nodes)
      call c_free_string(nodes)
      if (r%err == 0) call fill_placement(placement, sizes, policy, uniform)
    end if
    call report(r, stat, errmsg)
  end subroutine aml_linux_inspect

  subroutine fill_placement(p, sizes, policy, uniform)
    type(aml_linux_placement), intent(inout) :: p
    integer(c_int64_t), intent(in) :: sizes(4)
    integer(c_int), intent(in) :: policy, uniform

    p%page_size = sizes(1)
    p%npages = sizes(2)
    p%unplaced = sizes(3)
    p%errors = sizes(4)
    p%policy = int(policy)
    call c_string(c_policy_name(policy), p%policy_name)
    p%policy_uniform = uniform /= 0
  end subroutine fill_placement

  ! The placement of `x` (any contiguous array) drawn into `map`, one
  ! character a page: the node ('0'-'9', 'a'-'z', 'A'-'Z'; '#' above 61),
  ! '.' for a page not placed yet, '!' for one the kernel could not
  ! report; "" for a zero-size array (and after a failure). For example
  ! "0101010101" (interleaved over nodes 0 and 1).
  ! Errors: AML_EINVAL (`x` not contiguous); AML_ENOMEM; AML_FAILURE.
  subroutine aml_linux_page_map(x, map, stat, errmsg)
    class(*), dimension(..), target, intent(in) :: x
    character(len=:), allocatable, intent(out) :: map
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: ptr
    integer(int64) :: bytes
    integer(c_size_t) :: n
    integer(c_int) :: drawn

    r = named('aml_linux_page_map')
    call range_of(r, 'x', x, ptr, bytes)
    n = 0
    if (r%err == 0 .and. bytes > 0) n = c_npages(ptr, int(bytes, c_size_t))
    allocate(character(len=max(n + 1, 5_c_size_t)) :: map)
    drawn = 0
    if (n > 0) then
      drawn = c_page_map(ptr, int(bytes, c_size_t), map, int(len(map), c_size_t))
      call fail(r, min(int(drawn), 0), '')
    end if
    map = map(1:max(drawn, 0))
    call report(r, stat, errmsg)
  end subroutine aml_linux_page_map

  ! ---------------------------------------------------------------------
  ! Heaps

  subroutine need_heap(r, heap)
    type(call_state), intent(inout) :: r
    type(aml_allocator), intent(in) :: heap

    if (.not. c_associated(heap%ptr)) &
         call fail(r, AML_EINVAL, 'the heap was not created, or was destroyed')
  end subroutine need_heap

  ! Create a heap of objects on `area` (aml_alloc, aml_free: malloc
  ! speed, every object placed as the area says). The area cannot be
  ! destroyed before the heap.
  ! Errors: AML_EINVAL (`area` not created, `heap` already created);
  ! AML_ENOTSUP (the heap's engine, libtbbmalloc.so.2, cannot be loaded);
  ! AML_ENOMEM.
  subroutine aml_allocator_heap_create(heap, area, stat, errmsg)
    type(aml_allocator), intent(inout) :: heap
    type(aml_area), intent(in) :: area
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    integer :: err

    r = named('aml_allocator_heap_create')
    call need_area(r, area)
    if (c_associated(heap%ptr)) &
         call fail(r, AML_EINVAL, 'the heap exists already: destroy it first')
    if (r%err == 0) then
      call fail(r, int(c_heap_create(heap%ptr, area%ptr, c_null_ptr)), '')
    end if
    if (r%err == 0) then
      err = c_hold(heap%ptr, 0_c_size_t, area%ptr)
      if (err /= 0) err = c_heap_destroy(heap%ptr)
      call fail(r, err, 'no memory to record the heap')
    end if
    if (r%err == 0) heap%area = area%ptr
    call report(r, stat, errmsg)
  end subroutine aml_allocator_heap_create

  ! Destroy a heap and reset `heap`; every object still allocated from it
  ! goes too (pointers to them become invalid). A heap not created is
  ! left alone.
  ! Errors: AML_ENOMEM (nothing destroyed).
  subroutine aml_allocator_heap_destroy(heap, stat, errmsg)
    type(aml_allocator), intent(inout) :: heap
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    integer(c_size_t) :: held
    integer :: answer

    r = named('aml_allocator_heap_destroy')
    if (c_associated(heap%ptr)) then
      call fail(r, int(c_release_all(heap%ptr)), 'no memory to forget its objects')
      if (r%err == 0) then
        ! The heap's own record, which lets its area know it is in use.
        answer = c_release(heap%ptr, 0_c_size_t, heap%area, held)
        call fail(r, int(c_heap_destroy(heap%ptr)), '')
      end if
    end if
    if (r%err == 0) heap = aml_allocator()
    call report(r, stat, errmsg)
  end subroutine aml_allocator_heap_destroy

  ! ---------------------------------------------------------------------
  ! Copies

  ! Create a Linux copy engine with `nworkers` threads, pinned to CPUs
  ! spread over the nodes (0: every copy on the calling thread); copies
  ! of 4 MiB and more are split over them, each part copied from a CPU
  ! of the node its destination lies on.
  ! Errors: AML_EINVAL (`nworkers` negative, `dma` already created);
  ! AML_ENOMEM (memory or threads short).
  subroutine aml_dma_linux_create(dma, nworkers, stat, errmsg)
    type(aml_dma), intent(inout) :: dma
    integer, intent(in) :: nworkers
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r

    r = named('aml_dma_linux_create')
    if (nworkers < 0) call fail(r, AML_EINVAL, 'nworkers ' // &
         int_decimal(nworkers) // ' is negative')
    if (c_associated(dma%ptr)) &
         call fail(r, AML_EINVAL, 'the engine exists already: destroy it first')
    if (r%err == 0) call fail(r, int(c_dma_linux_create(dma%ptr, &
         int(nworkers, c_int))), int_decimal(nworkers) // ' workers')
    call report(r, stat, errmsg)
  end subroutine aml_dma_linux_create

  ! Destroy an engine (its copies are all done) and reset `dma`.
  subroutine aml_dma_linux_destroy(dma)
    type(aml_dma), intent(inout) :: dma

    call c_dma_linux_destroy(dma%ptr)
  end subroutine aml_dma_linux_destroy

  ! Copy the bytes of `src` into `dst` with the engine; both contiguous,
  ! of the same size in bytes, not overlapping (any types and ranks:
  ! this is memcpy, not assignment).
  ! Errors: AML_EINVAL (engine not created, sizes differ, not contiguous,
  ! overlap); AML_ENOMEM; AML_FAILURE.
  subroutine aml_dma_copy(dma, dst, src, stat, errmsg)
    type(aml_dma), intent(in) :: dma
    class(*), dimension(..), target, intent(inout) :: dst
    class(*), dimension(..), target, intent(in) :: src
    integer, intent(out), optional :: stat
    character(len=*), intent(inout), optional :: errmsg
    type(call_state) :: r
    type(c_ptr) :: to, from
    integer(int64) :: nto, nfrom

    r = named('aml_dma_copy')
    if (.not. c_associated(dma%ptr)) &
         call fail(r, AML_EINVAL, 'the engine was not created, or was destroyed')
    call range_of(r, 'dst', dst, to, nto)
    call range_of(r, 'src', src, from, nfrom)
    if (nto /= nfrom) call fail(r, AML_EINVAL, 'dst has ' // decimal(nto) // &
         ' bytes, src ' // decimal(nfrom))
    if (overlap(to, from, nto)) call fail(r, AML_EINVAL, 'dst and src overlap')
    if (r%err == 0 .and. nto > 0) call fail(r, int(c_dma_copy(dma%ptr, to, &
         from, int(nto, c_size_t))), decimal(nto) // ' bytes')
    call report(r, stat, errmsg)
  end subroutine aml_dma_copy

  ! Whether `bytes` at `a` and at `b` share a byte.
  logical function overlap(a, b, bytes)
    type(c_ptr), intent(in) :: a, b
    integer(int64), intent(in) :: bytes
    integer(c_intptr_t) :: x, y

    x = transfer(a, x)
    y = transfer(b, y)
    overlap = bytes > 0 .and. x < y + bytes .and. y < x + bytes
  end function overlap

  include 'aml_typed.f90'

end module aml
